"""Who an unsafe output is on, as a table: the model (no strike) or the user who asked (a strike). The output
scan that applies it runs end to end in tests/e2e/test_output_scan.py."""

import pytest

from generations.worker import pipeline


@pytest.mark.parametrize(
    "screening_result, blame",
    [
        ({"decision": "allow", "categories": {"sexual": 0.02}, "views_fired": []}, "model_output"),
        ({"decision": "allow", "categories": {"sexual": 0.35}, "views_fired": ["raw"]}, "user_intent"),  # borderline
        ({"decision": "allow", "categories": {"sexual": 0.05}, "views_fired": ["leet"]}, "user_intent"),  # evasive
        ({"decision": "review", "categories": {"political": 0.6}}, "user_intent"),  # held, then approved
        (None, "model_output"),
    ],
)
def test_blame_is_split_between_the_model_and_the_user(screening_result, blame):
    assert pipeline.blame_for(screening_result) == blame

