"""Arabic writes its proclitics into the word (wa- "and", bi- "with", li- "for", al- "the"): a name or a term
after one is still found. A word that only starts like one is not split into something it is not."""

import pytest

from generations.moderation.text.detectors import analyze


@pytest.mark.parametrize(
    ("prompt", "tag"),
    [
        ("فيديو واقعي لبوتين في مؤتمر صحفي", "real_named"),  # li- + Putin
        ("صورة وماكرون يلوح للجمهور", "real_named"),  # wa- + Macron
        ("مقطع بالأسلوب الوثائقي عن ماكرون", "real_named"),  # the name without a proclitic still counts
    ],
)
def test_a_name_after_a_proclitic_is_found(prompt, tag):
    ctx = analyze(prompt)
    assert tag in ctx.tags, (ctx.tags, ctx.scores)
    assert ctx.scores.get("political", 0.0) >= 0.4


@pytest.mark.parametrize(
    "prompt",
    [
        "لقطة لبحر هادئ عند الغروب مع طيور النورس",  # a calm sea at sunset with gulls
        "وصفة كعكة الشوكولاتة بالفراولة خطوة بخطوة",  # a chocolate cake with strawberries
        "طفل يلعب بالكرة في الحديقة مع والده",  # a child plays ball with his father
    ],
)
def test_ordinary_arabic_prompts_stay_clean(prompt):
    ctx = analyze(prompt)
    assert not any(score > 0 for score in ctx.scores.values()), ctx.scores


def test_the_name_spans_found_after_a_proclitic_cover_only_the_name():
    prompt = "فيديو لبوتين"
    ctx = analyze(prompt)
    [(start, end)] = ctx.named_spans
    assert prompt[start:end] == "بوتين"
