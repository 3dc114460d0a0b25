"""The engine where the generation pipeline calls it: a created generation is blocked, held or queued."""

import pytest

from accounts.models import AuditEvent
from generations.models import Generation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def create(client, key, prompt, negative_prompt=""):
    body = {"prompt": prompt}
    if negative_prompt:
        body["negative_prompt"] = negative_prompt
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


@pytest.mark.parametrize(
    ("prompt", "status"),
    [
        ("Cherry blossoms falling in slow motion", "queued"),
        ("Topless woman in the shower, realistic", "blocked"),
        ("T\u200bo\u200bp\u200bl\u200be\u200bs\u200bs woman in the shower", "blocked"),
        ("Donald Trump and Xi Jinping shaking hands at a summit", "held"),
    ],
)
def test_it_blocks_holds_or_queues_a_new_generation(client, alice_key, redis_conn, prompt, status):
    response = create(client, alice_key, prompt)
    if status == "blocked":
        error = response.json()["error"]
        assert response.status_code == 422 and error["code"] == "policy_violation"
        assert "adult or intimate content" in error["message"]
        assert "topless" not in error["message"].casefold()
        return
    assert response.status_code in (200, 201, 202), response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == status
    records = [
        event.extra.get("screening", event.extra)
        for event in AuditEvent.objects.filter(target_id=str(generation.public_id))
    ]
    screened = [record for record in records if record.get("engine") == "prompt-screen"]
    assert screened, "the screening decision is in the audit trail"
    expected = {"queued": "allow", "blocked": "block", "held": "review"}[status]
    assert screened[0]["decision"] == expected
    assert screened[0]["thresholds"] and screened[0]["policy_version"]


def test_it_does_not_block_safety_words_in_the_negative_prompt(client, alice_key, redis_conn):
    response = create(client, alice_key, "A beach at sunset", negative_prompt="nude, naked, gore")
    assert Generation.objects.get(public_id=response.json()["id"]).status == "queued"
