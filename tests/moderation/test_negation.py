"""A harm the writer rules out is not asked for: "no gore", "without nudity", "nothing explicit" and the lists
they head. A garment ruled out uncovers a body, so "no bikini" is never read as a negation. These read the
lexicon stack alone: the semantic layer has its own tests."""

import pytest

from generations.moderation.text.detectors import analyze
from generations.moderation.text.policy import ALLOW, BLOCK, REVIEW
from generations.moderation.text.screening import screen_prompt

pytestmark = pytest.mark.usefixtures("lexicon_only")


@pytest.mark.parametrize(
    "prompt",
    [
        "Someone whispers his name from the dark, no gore",
        "a haunted house trailer without blood or gore, only dread",
        "a boxing drama, no blood, gore or nudity",
        "a dance film, nothing explicit, zero nudity",
        "kein Blut, keine Nacktheit, ein Tanzfilm im Regen",
        "una pelea coreografiada sin sangre ni desnudos",
        "a war memorial at dawn, avoid gore",
        "古装武侠打斗，无血腥",
    ],
)
def test_a_harm_ruled_out_is_not_asked_for(prompt):
    ctx = analyze(prompt)
    assert not {c for c, score in ctx.scores.items() if c in ("sexual", "violence") and score >= 0.4}, ctx.scores
    assert screen_prompt(prompt).decision == ALLOW


@pytest.mark.parametrize(
    ("prompt", "decision", "category"),
    [
        ("a woman with no bikini on the beach, no bra", REVIEW, "sexual"),  # a garment ruled out uncovers
        ("a woman without clothes", BLOCK, "sexual"),
        ("no mercy, gore everywhere, a severed head", BLOCK, "violence"),  # the negation rules out mercy
        ("a knife fight, nothing explicit, blood everywhere", REVIEW, "violence"),  # the list ended
        ("no censorship, full nudity", BLOCK, "sexual"),
        ("not naked but topless on the balcony", BLOCK, "sexual"),  # only the word it rules out
    ],
)
def test_a_negation_rules_out_only_what_it_names(prompt, decision, category):
    screened = screen_prompt(prompt)
    assert (screened.decision, screened.top_category) == (decision, category)


@pytest.mark.parametrize(
    ("prompt", "decision"),
    [
        ("lägg till 'premiär i oktober' på slutet", ALLOW),  # Swedish: "at the end"
        ("till slut springer hon hem genom regnet", ALLOW),
        ("a booby trap in the jungle temple", ALLOW),
        ("slutty outfit, sluts dancing", REVIEW),
        ("boobs out on the balcony", REVIEW),
    ],
)
def test_words_that_only_begin_like_a_slur_are_not_one(prompt, decision):
    assert screen_prompt(prompt).decision == decision


@pytest.mark.parametrize(
    "prompt",
    [
        # A brief's "Do not:" list forbids what it names, to the end of its sentence.
        "Brief — dating app launch. Shots: two adults at a bookstore café. Do not: anything suggestive, no bedroom "
        "shots. 20 s vertical.",
        "Brief — mental-health app. Shots: a group walk at sunrise. Do not: depict self-harm, pills or anyone in "
        "distress close-up. Asset list: 15 s vertical.",
        "Brief — ứng dụng hẹn hò. Cảnh: hai người gặp nhau ở quán cà phê. Không: hình ảnh khêu gợi. Sản phẩm: 15 giây.",
        # Japanese, Korean and Thai put the negation after the noun or before it without a space.
        "戦争映画の予告編：塹壕戦、負傷兵の軍服に血、爆発。グロ描写なし。",
        "좀비 게임 광고: 좀비가 사람을 덮치고 팔에 피, 생존자가 방망이를 휘두름. 절단 장면 없음.",
    ],
)
def test_what_a_brief_forbids_is_not_asked_for(prompt):
    assert screen_prompt(prompt).decision != BLOCK


def test_a_do_not_item_that_forbids_holding_back_asks_for_the_thing():
    from generations.moderation.text.structure import prohibitions  # the list reader itself

    text = "Horror spot. Do not: blur the wounds, hold back on the gore. 20 s."
    assert prohibitions(text) == []
    assert screen_prompt(text).decision != ALLOW
    # The list ends with its sentence: what follows is asked for.
    assert screen_prompt("Do not: add a watermark. Then a naked woman, explicit.").decision == BLOCK
