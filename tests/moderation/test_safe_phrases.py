"""A safe phrase hides only the words inside it. "nude lipstick" is make-up, but it must not excuse a naked
person elsewhere in the same prompt (a prefix that once switched a whole row off); nude as a colour is
make-up in other languages too."""

import pytest

from generations.moderation.text.policy import ALLOW, BLOCK
from generations.moderation.text.screening import screen_prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "nude lipstick close-up, then a naked woman on a bed",
        "chicken breast on the grill, then her bare breasts, explicit",
        "palette nude, modella nuda sul letto",
        "ヌードカラーのリップ、そのあとヌード写真",
    ],
)
def test_a_safe_phrase_does_not_excuse_the_same_word_elsewhere(prompt, settings):
    settings.SCREENING_SEMANTIC = False
    assert screen_prompt(prompt).decision == BLOCK


@pytest.mark.parametrize(
    "prompt",
    [
        "Nude lipstick close-up on a model, soft key light",
        "Note di regia: grading caldo, palette nude per i costumi",
        "撮影メモ：ヌードカラーのリップのアップから入る",
        "Naked m o l e rats huddled in their burrow, nature documentary",
        "누드톤 립스틱 광고, 클로즈업",
    ],
)
def test_nude_as_a_colour_stays_allowed(prompt, settings):
    settings.SCREENING_SEMANTIC = False
    assert screen_prompt(prompt).decision == ALLOW
