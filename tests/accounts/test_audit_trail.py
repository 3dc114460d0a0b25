"""The audit trail: tamper evidence, signed checkpoints, the viewer and its exports, verification speed.

Tampering tests run on both databases. On PostgreSQL a trigger refuses UPDATE and DELETE of the ledger, so
they first disable it the way the tables' owner could; that the trigger refuses is its own test.
"""

import csv
import datetime as dt
import io
import json
import re
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from accounts import audit_views
from accounts.audit import (
    GENESIS_HASH,
    PAYLOAD_FIELDS,
    SYSTEM,
    Actor,
    append_in_bulk,
    chain_hash,
    checkpoint_signature,
    event_payload,
    make_checkpoint,
    record_audit_event,
    verify_chain,
)
from accounts.models import AuditChainHead, AuditEvent, AuditEventType, User
from studio.perf.bench_audit import run_audit_bench, synthetic_events

on_postgresql = connection.vendor == "postgresql"
AUDIT_URL = "/accounts/audit/"


def _write_events(count, **kwargs):
    return [record_audit_event(AuditEventType.TEAM_CREATED, actor=SYSTEM, extra={"n": n, "note": "ünïcode ✓"}, **kwargs) for n in range(count)]


@contextmanager
def _trigger_bypassed():
    """Tamper as the tables' owner could on PostgreSQL: with the append-only trigger switched off."""
    if not on_postgresql:
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key check: run the pending ones now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only")
        cursor.execute("ALTER TABLE accounts_auditchainhead DISABLE TRIGGER accounts_auditchainhead_keep")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_append_only")
            cursor.execute("ALTER TABLE accounts_auditchainhead ENABLE TRIGGER accounts_auditchainhead_keep")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _tamper(sql, params=()):
    with _trigger_bypassed(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rewrite_history(event, **changes):
    """What an attacker with database access but no checkpoint key does: change an event, then re-hash
    it and every later event, and move the chain head, so that every link verifies again."""
    events = list(AuditEvent.objects.filter(id__gte=event.pk).order_by("id"))
    prev_hash = events[0].prev_hash
    for index, later in enumerate(events):
        if index == 0:
            for name, value in changes.items():
                setattr(later, name, value)
        later.prev_hash = prev_hash
        later.hash = chain_hash(event_payload(later), prev_hash)
        prev_hash = later.hash
        columns = {**changes} if index == 0 else {}
        columns.update(prev_hash=later.prev_hash, hash=later.hash)
        assignments = ", ".join(f"{name} = %s" for name in columns)
        _tamper(f"UPDATE accounts_auditevent SET {assignments} WHERE id = %s", [*columns.values(), later.pk])
    _tamper("UPDATE accounts_auditchainhead SET last_hash = %s WHERE id = 1", [prev_hash])


def _fails_naming(event_id):
    return pytest.raises(CommandError, match=f"event #{event_id}:")


# --- tamper evidence ----------------------------------------------------------------------------------


EDITS = [
    ("actor_label", "mallory"),
    ("extra", '{"n": 999}'),
    ("created_at", "2020-01-01 00:00:00"),
    ("event_type", 999),
    ("target_id", "forged"),
    ("ip_address", "203.0.113.9"),
    ("hash", "f" * 64),
    ("prev_hash", "e" * 64),
]


@pytest.mark.django_db
@pytest.mark.parametrize("position", [0, 2, 4])
@pytest.mark.parametrize("column, value", EDITS, ids=[column for column, _ in EDITS])
def test_it_names_the_row_edited_with_raw_sql(position, column, value):
    events = _write_events(5)
    target = events[position]
    _tamper(f"UPDATE accounts_auditevent SET {column} = %s WHERE id = %s", [value, target.pk])

    report = verify_chain()

    assert not report.ok and report.broken_event_id == target.pk and report.count == position
    assert report.code == ("link_broken" if column == "prev_hash" else "content_altered")
    with _fails_naming(target.pk):
        call_command("verify_audit")


@pytest.mark.django_db
@pytest.mark.parametrize("position", [0, 1, 3])
def test_it_names_the_row_after_one_deleted_with_raw_sql(position):
    events = _write_events(5)
    _tamper("DELETE FROM accounts_auditevent WHERE id = %s", [events[position].pk])

    report = verify_chain()

    following = events[position + 1]
    assert not report.ok and report.broken_event_id == following.pk and report.code == "link_broken"
    assert ("the start of the chain" if position == 0 else f"event #{events[position - 1].pk}") in report.reason
    with _fails_naming(following.pk):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_detects_the_newest_row_deleted_through_the_chain_head():
    _write_events(3)
    _tamper("DELETE FROM accounts_auditevent WHERE id = (SELECT MAX(id) FROM accounts_auditevent)")

    report = verify_chain()

    assert not report.ok and report.broken_event_id is None and report.code == "head_mismatch"
    with pytest.raises(CommandError, match="chain head"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_detects_an_emptied_ledger():
    _write_events(3)
    # TRUNCATE fires no row trigger on PostgreSQL: the chain head is what catches it.
    _tamper("TRUNCATE accounts_auditevent" if on_postgresql else "DELETE FROM accounts_auditevent")

    report = verify_chain()

    assert not report.ok and report.count == 0 and report.code == "head_mismatch"


@pytest.mark.django_db
def test_it_detects_a_deleted_chain_head():
    _write_events(2)
    _tamper("DELETE FROM accounts_auditchainhead")

    assert verify_chain().code == "head_mismatch"
    # A writer would start a second chain from genesis; that shows as a broken link too.
    later = record_audit_event(AuditEventType.SIGN_IN)
    report = verify_chain()
    assert not report.ok and report.broken_event_id == later.pk and report.code == "link_broken"


@pytest.mark.django_db
@pytest.mark.skipif(not on_postgresql, reason="the append-only trigger is installed on PostgreSQL only")
def test_it_refuses_raw_updates_and_deletes_on_postgresql():
    events = _write_events(3)
    refused = [
        ("UPDATE accounts_auditevent SET actor_label = 'mallory' WHERE id = %s", [events[1].pk]),
        ("UPDATE accounts_auditevent SET hash = hash", []),
        ("DELETE FROM accounts_auditevent WHERE id = %s", [events[2].pk]),
        ("DELETE FROM accounts_auditchainhead", []),
    ]
    for sql, params in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(actor_label="mallory")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).delete()

    report = verify_chain()
    assert report.ok and report.count == 3
    assert list(AuditEvent.objects.order_by("id").values_list("actor_label", flat=True)) == ["system"] * 3


@pytest.mark.django_db
def test_it_hashes_request_details_as_the_database_gives_them_back(rf):
    request = rf.get("/", REMOTE_ADDR="2001:DB8:0:0::1")
    request.request_id = "req-0123456789"

    event = record_audit_event(AuditEventType.SIGN_IN_FAILED, extra={"email": "x@example.org"}, request=request)

    assert AuditEvent.objects.get(pk=event.pk).ip_address == "2001:db8::1" and event.request_id == "req-0123456789"
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_it_never_forks_the_chain_under_concurrent_writers():
    threads, per_thread = 6, 20
    barrier = threading.Barrier(threads)
    errors = []

    def writer(index):
        try:
            barrier.wait(timeout=30)
            for n in range(per_thread):
                record_audit_event(AuditEventType.SIGN_IN, extra={"thread": index, "n": n})
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)

    assert errors == []
    report = verify_chain()
    assert report.ok and report.count == threads * per_thread
    written = {(extra["thread"], extra["n"]) for extra in AuditEvent.objects.values_list("extra", flat=True)}
    assert written == {(index, n) for index in range(threads) for n in range(per_thread)}
    assert AuditChainHead.objects.get(id=1).count == threads * per_thread


# --- checkpoints --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_signs_checkpoints_that_verify(capsys):
    events = _write_events(3)

    call_command("audit_checkpoint")
    checkpoint = AuditEvent.objects.order_by("-id").first()
    _write_events(2)
    second = make_checkpoint(force=True)

    assert checkpoint.event_type == AuditEventType.AUDIT_CHECKPOINT
    assert (checkpoint.extra["count"], checkpoint.extra["hash"]) == (3, events[-1].hash)
    assert (second.extra["count"], second.extra["hash"]) == (6, AuditEvent.objects.get(id=second.pk - 1).hash)
    assert f"Checkpoint #{checkpoint.pk}: 3 events ending in {events[-1].hash}" in capsys.readouterr().out
    report = verify_chain()
    assert report.ok and report.count == 7 and report.checkpoints == 2
    call_command("verify_audit")
    assert "7 events" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_names_a_checkpoint_with_a_forged_signature(settings):
    events = _write_events(3)
    at = "2026-01-01T00:00:00+00:00"
    claims = {"count": 3, "hash": events[-1].hash, "at": at, "key_id": settings.AUDIT_CHECKPOINT_KEY_ID}
    forged_signature = checkpoint_signature(count=3, last_hash=events[-1].hash, at=at, key_id=claims["key_id"], key="a guess")
    forged = record_audit_event(AuditEventType.AUDIT_CHECKPOINT, extra={**claims, "signature": forged_signature})
    _write_events(1)

    report = verify_chain()

    assert not report.ok and report.broken_event_id == forged.pk and report.code == "checkpoint_invalid"
    assert "signature does not verify" in report.reason
    with _fails_naming(forged.pk):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_names_a_replayed_checkpoint_that_disagrees_with_the_chain():
    _write_events(2)
    genuine = make_checkpoint(force=True)
    _write_events(2)
    # Validly signed, but it describes the chain as it was two events earlier.
    replayed = record_audit_event(AuditEventType.AUDIT_CHECKPOINT, extra=genuine.extra)

    report = verify_chain()

    assert not report.ok and report.broken_event_id == replayed.pk and report.code == "checkpoint_invalid"
    assert "covers 2 events" in report.reason and "the chain has 5 events" in report.reason
    with _fails_naming(replayed.pk):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_names_the_checkpoint_that_a_rehashed_rewrite_of_history_contradicts():
    events = _write_events(3)
    checkpoint = make_checkpoint(force=True)
    _write_events(2)

    _rewrite_history(events[1], actor_label="mallory")

    report = verify_chain()
    assert not report.ok and report.broken_event_id == checkpoint.pk and report.code == "checkpoint_invalid"
    assert report.count == 3  # every link before the checkpoint verified: only the signature catches it
    with _fails_naming(checkpoint.pk):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_keeps_verifying_checkpoints_after_a_key_rotation(settings):
    settings.AUDIT_CHECKPOINT_KEY_ID, settings.AUDIT_CHECKPOINT_KEY = "k1", "first-key"
    _write_events(2)
    old = make_checkpoint(force=True)

    settings.AUDIT_CHECKPOINT_KEY_ID, settings.AUDIT_CHECKPOINT_KEY = "k2", "second-key"
    settings.AUDIT_CHECKPOINT_RETIRED_KEYS = {"k1": "first-key"}
    make_checkpoint(force=True)
    assert verify_chain().checkpoints == 2

    settings.AUDIT_CHECKPOINT_RETIRED_KEYS = {}
    report = verify_chain()
    assert not report.ok and report.broken_event_id == old.pk and "unknown key id 'k1'" in report.reason


@pytest.mark.django_db
def test_it_checkpoints_periodically_only_when_due(settings, capsys):
    settings.AUDIT_CHECKPOINT_INTERVAL_S = 600
    assert make_checkpoint() is None  # nothing to sign yet
    _write_events(2)
    first = make_checkpoint()
    assert first is not None and first.extra["count"] == 2

    _write_events(1)
    assert make_checkpoint() is None  # too soon
    later = first.created_at + dt.timedelta(seconds=601)
    second = make_checkpoint(now=later)
    assert second is not None and second.extra["count"] == 4
    assert make_checkpoint(now=later + dt.timedelta(seconds=601)) is None  # nothing new since
    call_command("audit_checkpoint", "--if-due")
    assert "No checkpoint due" in capsys.readouterr().out
    call_command("audit_checkpoint", "--json")  # a line to keep where the database cannot reach
    printed = json.loads(capsys.readouterr().out)
    assert (printed["count"], printed["event_id"]) == (5, AuditEvent.objects.order_by("-id").first().pk)
    assert verify_chain().checkpoints == 3


BASE_CLAIMS = {"count": 10, "last_hash": "a" * 64, "at": "2026-01-01T00:00:00+00:00", "key_id": "k1", "key": "secret"}


@pytest.mark.parametrize(
    "change",
    [{"count": 11}, {"last_hash": "b" * 64}, {"at": "2026-01-01T00:00:01+00:00"}, {"key_id": "k2"}, {"key": "other"}],
    ids=lambda change: next(iter(change)),
)
def test_it_signs_over_every_claim_of_a_checkpoint(change):
    assert checkpoint_signature(**BASE_CLAIMS) != checkpoint_signature(**{**BASE_CLAIMS, **change})
    assert checkpoint_signature(**BASE_CLAIMS) == checkpoint_signature(**dict(BASE_CLAIMS))


# --- the viewer -----------------------------------------------------------------------------------------


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mod@example.org", "mod-password-1", is_moderator=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", "root-password-1")


@pytest.fixture
def staff(db):
    return User.objects.create_user("staff@example.org", "staff-password-1", is_staff=True)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _shown_ids(response):
    return [int(value) for value in re.findall(r'data-event-id="(\d+)"', response.content.decode())]


def _newest_first(events):
    return sorted((event.pk for event in events), reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_it_shows_the_ledger_to_moderators_and_superusers(who, request, team, alice):
    client = _client(request.getfixturevalue(who))

    response = client.get(AUDIT_URL)

    assert response.status_code == 200
    assert _shown_ids(response) == _newest_first(AuditEvent.objects.all())
    page = response.content.decode()
    assert "Team created" in page and "Member added" in page and "alpha" in page and "alice@example.org" in page
    newest = AuditEvent.objects.order_by("-id").first()
    assert f'title="{newest.hash}">{newest.hash[:12]}…' in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "staff"])
@pytest.mark.parametrize(
    "method, url",
    [("get", AUDIT_URL), ("post", AUDIT_URL + "verify/"), ("post", AUDIT_URL + "export.jsonl"), ("post", AUDIT_URL + "export.csv")],
)
def test_it_is_404_for_owners_members_outsiders_and_staff(who, method, url, request, team, other_team):
    client = _client(request.getfixturevalue(who))
    before = AuditEvent.objects.count()

    response = getattr(client, method)(url)

    assert response.status_code == 404
    assert AuditEvent.objects.count() == before  # sign-in aside, nothing was recorded: no export happened
    assert not AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).exists()


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_sign_in():
    response = Client().get(AUDIT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.django_db
def test_it_links_the_viewer_in_the_nav_for_moderators_only(moderator, alice, team):
    assert f'href="{AUDIT_URL}"' in _client(moderator).get(AUDIT_URL).content.decode()
    assert f'href="{AUDIT_URL}"' not in _client(alice).get("/accounts/usage/").content.decode()


@pytest.fixture
def ledger(team, other_team, alice, bob, charlie):
    """Events on three known days, by a user, an API key and the system, for two teams."""
    key = alice.api_keys.create(team=team, name="ci", prefix="ab12cd34", secret_hash="x" * 64, scopes=["read"])
    days = {"jan10": dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC), "jan20": dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC)}
    with mock.patch("accounts.audit.timezone.now", return_value=days["jan10"]):
        by_alice = record_audit_event(AuditEventType.ROLE_CHANGED, actor=Actor(user=alice), team=team, target=bob)
        by_key = record_audit_event(AuditEventType.GENERATION_SUBMITTED, actor=Actor(user=alice, api_key=key), team=team, target=key)
    with mock.patch("accounts.audit.timezone.now", return_value=days["jan20"]):
        by_charlie = record_audit_event(AuditEventType.ROLE_CHANGED, actor=Actor(user=charlie), team=other_team, target=charlie)
        by_system = record_audit_event(AuditEventType.ALLOWANCE_RENEWED, team=other_team)
    return {"alice": by_alice, "key": by_key, "charlie": by_charlie, "system": by_system, "key_id": str(key.public_id)}


FILTERS = [
    ("type", {"event_type": AuditEventType.ROLE_CHANGED.value}, ["charlie", "alice"]),
    ("email", {"actor": "ALICE@example.org"}, ["alice"]),
    ("key_prefix", {"actor": "ab12"}, ["key"]),
    ("key_with_sk", {"actor": "sk-ab12cd34"}, ["key"]),
    ("team", {"team": "charlie", "since": "2026-01-01", "until": "2026-01-31"}, ["system", "charlie"]),
    ("target", {"target": "KEY_ID"}, ["key"]),
    ("one_day", {"since": "2026-01-10", "until": "2026-01-10"}, ["key", "alice"]),
    ("from_day", {"since": "2026-01-11", "until": "2026-01-31"}, ["system", "charlie"]),
    ("combined", {"event_type": AuditEventType.ROLE_CHANGED.value, "until": "2026-01-15"}, ["alice"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("query, expected", [(query, expected) for _, query, expected in FILTERS], ids=[name for name, _, _ in FILTERS])
def test_it_filters_the_ledger(query, expected, ledger, moderator):
    query = {name: ledger["key_id"] if value == "KEY_ID" else value for name, value in query.items()}

    response = _client(moderator).get(AUDIT_URL, query)

    assert response.status_code == 200
    assert _shown_ids(response) == [ledger[name].pk for name in expected]


@pytest.mark.django_db
def test_it_rejects_a_backwards_date_range(moderator):
    response = _client(moderator).get(AUDIT_URL, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert "after the “To” date" in response.content.decode() and _shown_ids(response) == []


@pytest.mark.django_db
def test_it_pages_newest_first_by_id(moderator, monkeypatch):
    monkeypatch.setattr(audit_views, "PAGE_SIZE", 3)
    client = _client(moderator)  # signing in records one event
    _write_events(7)
    expected = _newest_first(AuditEvent.objects.filter(event_type=AuditEventType.TEAM_CREATED))

    first = client.get(AUDIT_URL, {"event_type": AuditEventType.TEAM_CREATED.value})
    second = client.get(first.context["older_url"])
    third = client.get(second.context["older_url"])
    back = client.get(third.context["newer_url"])

    assert [_shown_ids(page) for page in (first, second, third)] == [expected[:3], expected[3:6], expected[6:]]
    assert first.context["newer_url"] == "" and third.context["older_url"] == ""
    assert _shown_ids(back) == expected[3:6]
    assert f"event_type={AuditEventType.TEAM_CREATED.value}" in second.context["older_url"]


@pytest.mark.django_db
def test_it_escapes_event_details(moderator):
    record_audit_event(AuditEventType.SIGN_IN_FAILED, extra={"email": "<script>alert(1)</script>@example.org"})

    page = _client(moderator).get(AUDIT_URL).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def _exported_event():
    return AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).get()


@pytest.mark.django_db
def test_it_exports_the_filtered_events_as_json_lines_and_records_the_export(ledger, moderator):
    client = _client(moderator)
    expected = sorted([ledger["alice"].pk, ledger["charlie"].pk])

    response = client.post(AUDIT_URL + "export.jsonl", {"event_type": AuditEventType.ROLE_CHANGED.value})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [record["id"] for record in records] == expected
    assert {record["event_type_name"] for record in records} == {"Role changed"}
    # Each line carries what its hash covers, so the export can be checked away from the studio.
    for record in records:
        assert chain_hash({name: record[name] for name in PAYLOAD_FIELDS}, record["prev_hash"]) == record["hash"]
    exported = _exported_event()
    assert exported.actor_label == "mod@example.org"
    assert exported.extra == {
        "format": "jsonl",
        "filters": {"event_type": str(AuditEventType.ROLE_CHANGED.value)},
        "count": 2,
        "up_to_event_id": exported.pk - 1,
    }
    assert verify_chain().ok


@pytest.mark.django_db
def test_it_exports_the_whole_chain_in_order_so_it_can_be_verified_offline(ledger, moderator):
    client = _client(moderator)
    make_checkpoint(force=True)
    response = client.post(AUDIT_URL + "export.jsonl")

    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    prev_hash = GENESIS_HASH
    for record in records:
        assert record["prev_hash"] == prev_hash
        assert chain_hash({name: record[name] for name in PAYLOAD_FIELDS}, prev_hash) == record["hash"]
        prev_hash = record["hash"]
    assert len(records) == _exported_event().extra["count"] == AuditEvent.objects.count() - 1
    assert records[-1]["event_type_name"] == "Audit checkpoint signed"


@pytest.mark.django_db
def test_it_exports_the_filtered_events_as_csv_and_records_the_export(ledger, moderator):
    sneaky = User.objects.create_user("=HYPERLINK(1)@example.org", "sneaky-password-1")
    sneaky_event = record_audit_event(AuditEventType.SIGN_IN, actor=Actor(user=sneaky))

    response = _client(moderator).post(AUDIT_URL + "export.csv", {"since": "2026-01-15", "until": "2026-01-31"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == [ledger["charlie"].pk, ledger["system"].pk]
    assert rows[0]["actor_label"] == "charlie@example.org" and rows[0]["team_id"] == str(ledger["charlie"].team_id)
    assert json.loads(rows[0]["extra"]) == {} and rows[1]["event_type_name"] == "Monthly allowance renewed"
    # Every column the chain is verified from, so an export can be re-verified outside the studio.
    assert list(rows[0]) == [*PAYLOAD_FIELDS[:3], "event_type_name", *PAYLOAD_FIELDS[3:], "prev_hash", "hash"]
    assert _exported_event().extra == {
        "format": "csv",
        "filters": {"since": "2026-01-15", "until": "2026-01-31"},
        "count": 2,
        "up_to_event_id": sneaky_event.pk + 1,  # the moderator's sign-in came after it
    }

    everything = _client(moderator).post(AUDIT_URL + "export.csv", {"actor": sneaky.email})
    rows = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode())))
    assert [row["actor_label"] for row in rows] == ["'=hyperlink(1)@example.org"]  # never a formula


@pytest.mark.django_db
def test_it_refuses_an_unknown_export_format(moderator):
    assert _client(moderator).post(AUDIT_URL + "export.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).exists()


@pytest.mark.django_db
def test_it_verifies_the_chain_from_the_viewer(moderator):
    client = _client(moderator)
    events = _write_events(4)

    response = client.post(AUDIT_URL + "verify/", {"query": "event_type=301"}, follow=True)

    assert response.redirect_chain == [(AUDIT_URL + "?event_type=301", 302)]
    page = response.content.decode()
    assert 'data-verify="intact"' in page and "5 events and 0 signed checkpoints verified" in page

    _tamper("UPDATE accounts_auditevent SET actor_label = 'mallory' WHERE id = %s", [events[2].pk])
    page = client.post(AUDIT_URL + "verify/", follow=True).content.decode()
    assert 'data-verify="broken"' in page
    assert f'?before={events[2].pk + 1}">event #{events[2].pk}</a>: content does not match its hash' in page
    # The verdict is shown once, not on every later visit.
    assert "data-verify" not in client.get(AUDIT_URL).content.decode()


# --- bulk append and the benchmark ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_bulk_appends_a_chain_that_verifies_between_ordinary_writes():
    _write_events(2)
    assert append_in_bulk(synthetic_events(1200), batch_size=500) == 1200
    _write_events(1)

    report = verify_chain(batch_size=400)
    assert report.ok and report.count == 1203


@pytest.mark.django_db
def test_it_benchmarks_verification_and_leaves_nothing_behind():
    _write_events(3)
    head_before = AuditChainHead.objects.values_list("count", "last_hash").get()

    result = run_audit_bench(events=3000)

    assert result["verified"] and result["events"] == 3003 and result["events_per_s"] > 0
    assert result["database"] == connection.vendor
    assert AuditEvent.objects.count() == 3
    assert AuditChainHead.objects.values_list("count", "last_hash").get() == head_before
    assert verify_chain().ok
