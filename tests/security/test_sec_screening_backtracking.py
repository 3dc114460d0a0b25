"""Finding 12: a prompt of one word and thousands of separators made the lexicon's regexes backtrack
(~0.46 s, 1.3 s with the history). The attacker's move now gets an ordinary answer; the matcher's separator
runs and word gaps are atomic, so the work is linear in the prompt (the time is measured in `bench abuse`)."""

import pytest

from generations.models import Generation
from generations.moderation.text.matching import compile_pattern
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("separator", ["-", ".", " ", "'\"", "_/"])
def test_a_pathological_prompt_through_the_api_gets_an_ordinary_answer(client, alice_key, redis_conn, separator):
    prompt = ("kill" + separator * 2500)[:2500]
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json",
                           **bearer(alice_key))
    assert response.status_code in (202, 422)  # queued, or refused with the one error shape
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "policy_violation"
    else:
        assert Generation.objects.get().status in ("queued", "held")


def test_separator_runs_and_gaps_cannot_backtrack():
    assert "(?>" in compile_pattern("self harm", str)  # a run of separators is taken whole
    assert "\\W++\\w++" in compile_pattern("cut ~ wrists", str)  # a gap moves word by word
