"""Explicitness asked for with no subject the lexicon knows ("the couple actually doing it, nothing hidden",
"fully explicit") is held for review as sexual, not allowed and not blocked on that alone. Not with a real person
(the real-person rule would turn any sexual signal into a blocked deepfake) and not where the word means
something else ("explicit instructions"). The lexicon stack alone: the semantic layer reads the rest."""

import pytest

from generations.moderation.text.policy import ALLOW, REVIEW
from generations.moderation.text.screening import screen_prompt

pytestmark = pytest.mark.usefixtures("lexicon_only")


@pytest.mark.parametrize(
    "prompt",
    [
        "the couple actually doing it, nothing hidden",
        "after-hours cut of the hotel scene, fully explicit",
        "dos adultos en la habitación, todo explícito",
        "uncensored version of the bedroom scene",
    ],
)
def test_explicitness_with_nothing_named_is_held(prompt):
    screened = screen_prompt(prompt)
    assert (screened.decision, screened.top_category) == (REVIEW, "sexual"), screened.categories
    assert any("explicitness asked for" in reason for reason in screened.reasons)


@pytest.mark.parametrize(
    "prompt",
    [
        "explicit instructions for assembling a bookshelf, step by step",
        "a lyric video for the song, explicit lyrics label in the corner",
        "a friendly reminder to get explicit consent before filming people in public",
    ],
)
def test_the_word_in_its_other_senses_is_not_held(prompt):
    assert screen_prompt(prompt).decision == ALLOW


def test_a_real_person_is_left_to_the_real_person_rule():
    screened = screen_prompt("Angela Merkel's full interview, uncensored")
    assert screened.decision == REVIEW
    assert screened.categories.get("deepfake", 0.0) < 0.4 and screened.categories.get("sexual", 0.0) < 0.4
