"""Where a new generation starts: the pure rule behind every submit, as a table.

Precedence: a blocked prompt; then the input images (blocked, or held); then a prompt for review or a
restricted author; then faces animated without consent; else queued.
"""

from dataclasses import dataclass, field

import pytest

from generations.actions.generation import Assessment, initial_disposition
from generations.moderation.text import screening


@dataclass
class Decision:  # the parts of a ScreeningDecision the rule reads
    decision: str
    categories: dict = field(default_factory=dict)
    top_category: str = ""
    user_message: str = ""


@dataclass
class Likeness:
    decision: str
    categories: dict = field(default_factory=dict)


ALLOW = Decision(screening.ALLOW)
REVIEW = Decision(screening.REVIEW, {"violence": 0.6}, "violence")
BLOCK = Decision(screening.BLOCK, {"sexual": 0.95}, "sexual", "This asks for sexual content, which the policy forbids.")
INJECTION = Decision(screening.BLOCK, {"injection": 0.9}, "injection")
SCAN_BLOCK = {"verdict": "block", "categories": {"gore": 0.9}, "top": "gore"}
SCAN_HOLD = {"verdict": "review", "categories": {"sexual": 0.5}, "top": "sexual"}
SCAN_OK = {"verdict": "allow", "categories": {}, "top": "sexual"}
FACES = Likeness("review", {"deepfake": 0.6})


@pytest.mark.parametrize(
    "decision,scan,likeness,restricted,expected",
    [
        (ALLOW, None, None, False, ("queued", "queue", "", None, None)),
        (ALLOW, SCAN_OK, Likeness("allow"), False, ("queued", "queue", "", None, None)),
        (BLOCK, SCAN_BLOCK, FACES, True, ("blocked", "prompt", "policy_violation", None, ("sexual", "prompt_block"))),
        (INJECTION, None, None, False, ("blocked", "prompt", "policy_violation", None, ("injection", "injection"))),
        (REVIEW, SCAN_BLOCK, None, False, ("blocked", "input", "input_blocked", None, ("gore", "input_block"))),
        (REVIEW, SCAN_HOLD, None, False, ("held", "input", "", {"sexual": 0.5}, None)),
        (REVIEW, None, FACES, False, ("held", "prompt", "", {"violence": 0.6}, None)),
        (ALLOW, None, None, True, ("held", "prompt", "", {}, None)),
        (ALLOW, SCAN_OK, FACES, False, ("held", "input", "", {"deepfake": 0.6}, None)),
    ],
    ids=["clean", "clean-with-checks", "blocked-prompt-wins", "injection", "blocked-image-beats-review",
         "held-image-beats-review", "review-beats-faces", "restricted-author", "faces-without-consent"],
)
def test_where_a_generation_starts(decision, scan, likeness, restricted, expected):
    result = initial_disposition(Assessment(decision, scan, likeness), restricted=restricted)
    assert (result.status, result.stage, result.error_code, result.held_categories, result.strike) == expected


def test_a_blocked_generation_says_why_in_plain_words():
    assert initial_disposition(Assessment(BLOCK, None, None), restricted=False).error_message == BLOCK.user_message
    assert initial_disposition(Assessment(Decision(screening.BLOCK, {"violence": 1.0}), None, None), restricted=False).error_message == (
        "The prompt was blocked by the content policy."
    )
    image = initial_disposition(Assessment(ALLOW, SCAN_BLOCK, None), restricted=False)
    assert image.error_message == "The input image was refused: it shows gore content the policy forbids."
