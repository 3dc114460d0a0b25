"""Guard the tail of the audit ledger in the database (issue #17, finding 9).

PostgreSQL (0003 already refuses UPDATE and DELETE of events and DELETE of the chain head):
- a statement trigger refuses TRUNCATE of the events and of the chain head;
- a row trigger refuses moving the chain head backwards (a lower count), so a deleted tail cannot be
  hidden by resetting the head.

SQLite, which had nothing: the same rules as triggers (UPDATE/DELETE of events, DELETE of the head, the head
moving backwards). SQLite has no TRUNCATE; a DELETE without WHERE fires the row triggers.

Escape hatch, for Django's throwaway test databases only: their flush empties every table between tests, so
the rules that would stop it (TRUNCATE on PostgreSQL; every rule on SQLite, whose flush is DELETE) do not
apply in a database named like one (`test_…` on PostgreSQL, a file `…studio-test-…` on SQLite). On
PostgreSQL `SET studio.audit_enforce_in_tests = on` applies them there too, for the tests that check them.
The table owner can still drop a trigger (and anyone who can write a SQLite file can), so the hash chain,
the signed checkpoints and `verify_audit --checkpoint` with an exported checkpoint stay the evidence.
"""

from django.db import migrations

PG_INSTALL = r"""
CREATE OR REPLACE FUNCTION accounts_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_database() LIKE 'test\_%' AND coalesce(current_setting('studio.audit_enforce_in_tests', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounts_audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.count < OLD.count THEN
        RAISE EXCEPTION 'the audit ledger is append-only: the chain head cannot move backwards (% to %)', OLD.count, NEW.count
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_audit_refuse_truncate();

CREATE TRIGGER accounts_auditchainhead_no_truncate
    BEFORE TRUNCATE ON accounts_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_audit_refuse_truncate();

CREATE TRIGGER accounts_auditchainhead_forward
    BEFORE UPDATE ON accounts_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_head_forward();
"""

PG_UNINSTALL = """
DROP TRIGGER IF EXISTS accounts_auditchainhead_forward ON accounts_auditchainhead;
DROP TRIGGER IF EXISTS accounts_auditchainhead_no_truncate ON accounts_auditchainhead;
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_audit_head_forward();
DROP FUNCTION IF EXISTS accounts_audit_refuse_truncate();
"""

# Not a test database: Django's test flush (a DELETE of every row) must still work there.
_ENFORCED = "(SELECT file FROM pragma_database_list WHERE name = 'main') NOT LIKE '%studio-test-%'"

SQLITE_TRIGGERS = {
    "accounts_auditevent_no_update": (
        f"BEFORE UPDATE ON accounts_auditevent WHEN {_ENFORCED}",
        "the audit ledger is append-only: UPDATE on accounts_auditevent refused",
    ),
    "accounts_auditevent_no_delete": (
        f"BEFORE DELETE ON accounts_auditevent WHEN {_ENFORCED}",
        "the audit ledger is append-only: DELETE on accounts_auditevent refused",
    ),
    "accounts_auditchainhead_keep": (
        f"BEFORE DELETE ON accounts_auditchainhead WHEN {_ENFORCED}",
        "the audit ledger is append-only: DELETE on accounts_auditchainhead refused",
    ),
    "accounts_auditchainhead_forward": (
        f"BEFORE UPDATE ON accounts_auditchainhead WHEN NEW.count < OLD.count AND {_ENFORCED}",
        "the audit ledger is append-only: the chain head cannot move backwards",
    ),
}


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif vendor == "sqlite":
        for name, (when, message) in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END", params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_invitations"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
