"""Finding 9 (issue #17): cutting off the newest audit events (checkpoint included), resetting the chain head
and having `verify_audit` say intact; TRUNCATE on PostgreSQL."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.audit import SYSTEM, make_checkpoint, record_audit_event, verify_chain
from accounts.models import AuditEvent, AuditEventType

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
on_postgresql = connection.vendor == "postgresql"


def write_events(count):
    return [record_audit_event(AuditEventType.TEAM_CREATED, actor=SYSTEM, extra={"n": n}) for n in range(count)]


def cut_tail_and_reset_head(keep):
    """What a database writer does to hide the newest events: delete them (checkpoints included) and move the
    head back to the last one kept, so every remaining link and the head agree. (In this test database the
    triggers are switched off the way the tables' owner could.)"""
    kept = AuditEvent.objects.order_by("id")[keep - 1]
    triggers = [("accounts_auditevent", "accounts_auditevent_append_only"), ("accounts_auditchainhead", "accounts_auditchainhead_forward")]
    with connection.cursor() as cursor:
        if on_postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in triggers:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        cursor.execute("DELETE FROM accounts_auditevent WHERE id > %s", [kept.pk])
        cursor.execute("UPDATE accounts_auditchainhead SET last_hash = %s, count = %s WHERE id = 1", [kept.hash, keep])
        if on_postgresql:
            for table, trigger in triggers:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def test_a_cut_off_tail_passes_the_chain_alone_but_fails_against_the_exported_checkpoint(tmp_path):
    write_events(3)
    exported = tmp_path / "checkpoints.jsonl"
    call_command("audit_checkpoint", "--append-to", str(exported))
    assert oct(exported.stat().st_mode & 0o777) == "0o600"
    write_events(2)
    call_command("verify_audit", "--checkpoint", str(exported))  # intact, and agrees with the export

    cut_tail_and_reset_head(keep=2)

    assert verify_chain().ok  # what the attacker counted on: the chain alone cannot tell
    with pytest.raises(CommandError, match=r"holds 2 events, but an exported checkpoint covers 3.*\[tail_truncated\]"):
        call_command("verify_audit", "--checkpoint", str(exported))


def test_a_forged_or_unreadable_checkpoint_file_is_refused(tmp_path, settings):
    write_events(2)
    exported = tmp_path / "checkpoints.jsonl"
    call_command("audit_checkpoint", "--append-to", str(exported))
    exported.write_text(exported.read_text().replace('"count": 2', '"count": 1'))
    with pytest.raises(CommandError, match=r"signature does not verify.*\[checkpoint_file_invalid\]"):
        call_command("verify_audit", "--checkpoint", str(exported))
    with pytest.raises(CommandError, match="Cannot read the checkpoint file"):
        call_command("verify_audit", "--checkpoint", str(tmp_path / "missing.jsonl"))


def test_a_chain_whose_newest_checkpoint_is_too_old_is_refused(settings):
    settings.AUDIT_CHECKPOINT_INTERVAL_S = 3600
    settings.AUDIT_CHECKPOINT_GRACE_S = 300
    write_events(2)
    make_checkpoint(force=True, now=timezone.now() - dt.timedelta(hours=2))
    assert verify_chain().ok  # nothing after it yet: a quiet install is not a truncated one
    write_events(1)  # events after it that no newer checkpoint covers
    report = verify_chain()
    assert not report.ok and report.code == "checkpoint_stale"
    with pytest.raises(CommandError, match=r"\[checkpoint_stale\]"):
        call_command("verify_audit")
    make_checkpoint(force=True)  # the reconciler catches up
    assert verify_chain().ok


@pytest.mark.skipif(not on_postgresql, reason="TRUNCATE is PostgreSQL's")
def test_truncate_of_the_ledger_is_refused_on_postgresql():
    write_events(2)
    for table in ("accounts_auditevent", "accounts_auditchainhead"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL studio.audit_enforce_in_tests = on")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    with pytest.raises(DatabaseError, match="cannot move backwards"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditchainhead SET count = 0 WHERE id = 1")
    assert AuditEvent.objects.count() == 2 and verify_chain().ok


SQLITE_ATTEMPTS = """
from django.db import connection
from accounts.audit import SYSTEM, record_audit_event
from accounts.models import AuditChainHead, AuditEvent, AuditEventType
for n in range(3):
    record_audit_event(AuditEventType.TEAM_CREATED, actor=SYSTEM, extra={"n": n})
attempts = {
    "orm delete": lambda: AuditEvent.objects.filter(id__gt=1).delete(),
    "orm update": lambda: AuditEvent.objects.update(actor_label="mallory"),
    "sql delete": lambda: connection.cursor().execute("DELETE FROM accounts_auditevent"),
    "head reset": lambda: AuditChainHead.objects.update(count=1),
    "head delete": lambda: AuditChainHead.objects.all().delete(),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "ALLOWED")
    except Exception as exc:
        print(name, "refused:", exc)
print("events", AuditEvent.objects.count())
"""


@pytest.mark.slow  # migrates a fresh SQLite database in a subprocess (~10 s)
def test_sqlite_refuses_updates_and_deletes_of_the_ledger(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "STUDIO_VAR_DIR": str(tmp_path / "var"), "DEBUG": "true"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", SQLITE_ATTEMPTS], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert [line.split(" refused:")[0] for line in lines if "refused: the audit ledger is append-only" in line] == [
        "orm delete", "orm update", "sql delete", "head reset", "head delete",
    ], lines
    assert lines[-1] == "events 3"
