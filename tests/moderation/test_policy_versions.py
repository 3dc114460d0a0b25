"""Policy versions: the changelog page, the version every decision records, and the decision log export."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions import reports, review
from generations.actions.generation import do_block_upstream
from generations.models import Generation, PolicyVersion, ReviewItem, current_policy_version
from generations.states import Stage, Status
from tests.conftest import bearer
from tests.helpers import run_workers
from tests.moderation.test_dsa_statements import make_world

pytestmark = pytest.mark.django_db


def test_it_seeds_2026_12_as_the_version_in_force():
    seeded = PolicyVersion.objects.get(version="2026.12")
    assert "sexual_minors" not in seeded.summary  # written for readers, not as category codes
    assert "minor" in seeded.summary and "deepfake" in seeded.summary.lower()
    assert current_policy_version() == "2026.12"


def test_the_newest_effective_version_is_current_and_a_future_one_is_not_yet(settings):
    now = timezone.now()
    PolicyVersion.objects.create(version="2026.12.1", effective_from=now - dt.timedelta(minutes=1), summary="s", changelog="c")
    PolicyVersion.objects.create(version="2027.01", effective_from=now + dt.timedelta(days=30), summary="s")
    assert current_policy_version() == "2026.12.1"
    assert current_policy_version(now - dt.timedelta(hours=1)) == "2026.12"
    PolicyVersion.objects.all().delete()
    settings.POLICY_VERSION = "fallback-1"
    assert current_policy_version() == "fallback-1"


def test_the_version_list_is_read_once_per_window_and_a_publication_here_is_seen_at_once(
    settings, django_assert_num_queries
):
    settings.POLICY_VERSION_CACHE_S = 60
    now = timezone.now()
    PolicyVersion.objects.create(version="2027.01", effective_from=now + dt.timedelta(seconds=1), summary="s")
    assert current_policy_version() == "2026.12"
    with django_assert_num_queries(0):  # every create asks: the list comes from this process's copy
        assert current_policy_version(now - dt.timedelta(hours=1)) == "2026.12"
        # A version published ahead takes effect at its time, without reading the list again.
        assert current_policy_version(now + dt.timedelta(seconds=2)) == "2027.01"
    PolicyVersion.objects.create(version="2026.12.2", effective_from=now - dt.timedelta(seconds=1), summary="s")
    assert current_policy_version() == "2026.12.2"  # saved in this process: seen at once
    # A change that sends no signal here (another process's) is seen once the window has passed.
    PolicyVersion.objects.filter(version="2026.12.2").update(version="2026.12.3")
    assert current_policy_version() == "2026.12.2"
    settings.POLICY_VERSION_CACHE_S = 0
    assert current_policy_version() == "2026.12.3"


def test_the_changelog_page_lists_versions_newest_first_for_anyone(client):
    PolicyVersion.objects.create(version="2026.12.1", effective_from=timezone.now() - dt.timedelta(minutes=1),
                                 summary="Same rules.", changelog="Clarified that paintings of nudes are held, not blocked.")
    page = client.get("/policy/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("2026.12.1") < text.index('id="policy-2026.12"')
    assert "Clarified that paintings of nudes are held" in text and "(in force)" in text


def test_a_blocked_prompt_records_the_policy_version(client, alice_key, lexicon_only):
    response = client.post("/api/v1/generations", {"prompt": "hardcore porn video, explicit sex, fully naked woman"},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 422
    generation = Generation.objects.latest("id")
    assert generation.screening_result["content_policy_version"] == "2026.12"
    # The screening thresholds keep their own version, so a recorded decision can still be replayed.
    assert generation.screening_result["policy_version"] != ""


def test_an_upstream_refusal_and_a_review_decision_record_the_policy_version(team, alice):
    generation = Generation.objects.create(team=team, created_by=alice, prompt="p", model_name="kling-v1", status=Status.GENERATING,
                                           stage=Stage.UPSTREAM)
    do_block_upstream(generation, expected=Status.GENERATING, upstream_code="1301", message="refused")
    refused = AuditEvent.objects.filter(event_type=AuditEventType.UPSTREAM_REFUSED).last()
    assert refused.extra["policy_version"] == "2026.12"

    held = Generation.objects.create(team=team, created_by=alice, prompt="p", model_name="kling-v1", status=Status.HELD, stage=Stage.PROMPT)
    item = ReviewItem.objects.create(generation=held, kind="held", stage=Stage.PROMPT, categories={"political": 0.6},
                                     sla_due_at=timezone.now() + dt.timedelta(hours=4))
    moderator = User.objects.create_user("mod@example.org", "pw-mod-123", is_moderator=True)
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.REJECT, reason="real politician", expected_version=item.version)
    decided = AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED).last()
    assert decided.extra["policy_version"] == "2026.12"


@pytest.fixture
def world(team, other_team, alice):
    return make_world(team, other_team, alice)


def _today():
    return str(timezone.now().date())


def test_export_decisions_writes_one_row_per_decision_with_moderator_ids_and_is_audited(world, tmp_path, alice):
    target = tmp_path / "log.csv"
    call_command("export_decisions", "--since", _today(), "--until", _today(), "--format", "csv", "--output", str(target),
                 stderr=io.StringIO())
    rows = list(csv.DictReader(target.open()))
    now = timezone.now()
    expected = reports.decisions(now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1))
    assert len(rows) == len(expected) > 10
    assert list(rows[0]) == list(reports.DECISION_LOG_FIELDS)
    human = [row for row in rows if row["automated"] == "human"]
    assert human and all(row["moderator"] == str(world.pk) for row in human)
    assert "@" not in target.read_text()  # ids, never e-mail addresses
    assert {row["policy_version"] for row in rows} == {"2026.12"}
    assert {row["stage"] for row in rows} >= {"prompt", "input", "output", "upstream", "account", "takedown"}
    event = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).last()
    assert event.extra["what"] == "decisions" and event.extra["rows"] == len(rows)


def test_export_decisions_as_json_lines(world):
    out = io.StringIO()
    call_command("export_decisions", "--since", _today(), "--format", "jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    blocked = [line for line in lines if line["stage"] == "prompt" and line["decision"] == "block"]
    assert blocked[0]["categories"]["sexual"] == 0.97 and blocked[0]["reason"] == "lexicon: explicit"


def test_the_decision_log_download_is_for_staff_moderators_only(client, world, alice):
    url = f"/moderation/decisions.csv?since={_today()}&until={_today()}"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(alice)
    assert client.get(url).status_code == 403
    plain = User.objects.create_user("plain-mod@example.org", "pw-plain-123", is_moderator=True)
    client.force_login(plain)
    assert client.get(url).status_code == 403
    client.force_login(world)  # a staff moderator
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == ",".join(reports.DECISION_LOG_FIELDS)
    jsonl = client.get(f"/moderation/decisions.jsonl?since={_today()}")
    assert jsonl.status_code == 200 and json.loads(jsonl.content.decode().splitlines()[0])["policy_version"] == "2026.12"
    assert client.get("/moderation/decisions.csv?since=yesterday").status_code == 400
    exports = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED, actor_user=world)
    assert exports.count() == 2


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_output_scan_records_the_policy_version(client, use_simulator, redis_conn, alice_key):
    response = client.post("/api/v1/generations", {"prompt": "A paper boat drifting down a rainy street", "model": "kling-v1-6"},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    run_workers(max_rounds=50)
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == "succeeded", generation.error_message
    assert generation.scan_result["policy_version"] == "2026.12"
    assert generation.screening_result["content_policy_version"] == "2026.12"
