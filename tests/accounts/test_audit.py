import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.audit import SYSTEM, record_audit_event, verify_chain
from accounts.models import AuditEvent, AuditEventType

pytestmark = pytest.mark.django_db


def _write_events(count):
    for n in range(count):
        record_audit_event(AuditEventType.TEAM_CREATED, actor=SYSTEM, extra={"n": n, "note": "ünïcode ✓"})


def test_an_untouched_chain_verifies(capsys):
    _write_events(5)
    assert verify_chain().ok
    call_command("verify_audit")
    assert "5 events" in capsys.readouterr().out


def test_each_event_links_to_the_previous_one():
    _write_events(3)
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_editing_a_row_with_raw_sql_is_detected_and_named():
    _write_events(4)
    target = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET actor_label = %s WHERE id = %s", ["mallory", target.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event_id == target.pk
    with pytest.raises(CommandError, match=f"event #{target.pk}"):
        call_command("verify_audit")


def test_deleting_a_row_with_raw_sql_is_detected():
    _write_events(4)
    victim = AuditEvent.objects.order_by("id")[1]
    following = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [victim.pk])
    report = verify_chain()
    assert not report.ok and report.broken_event_id == following.pk


def test_deleting_the_newest_row_is_detected_by_the_chain_head():
    _write_events(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = (SELECT MAX(id) FROM accounts_auditevent)")
    report = verify_chain()
    assert not report.ok and "head" in report.reason
