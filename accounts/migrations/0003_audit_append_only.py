"""Make the audit ledger append-only in the database itself (PostgreSQL).

A trigger refuses every UPDATE and DELETE of `accounts_auditevent`, whoever issues it, and any DELETE of the
chain head row (which would let a rewritten chain start over from genesis). TRUNCATE is left alone: Django's
test flush uses it, and an emptied ledger still fails `verify_audit` against the chain head and against the
checkpoints exported elsewhere.

The table owner can still disable the trigger, so in production run the studio as a role that does not own
its tables; the hash chain and the signed checkpoints are the evidence either way. Other databases: no-op.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION accounts_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_refuse_change();

CREATE TRIGGER accounts_auditchainhead_keep
    BEFORE DELETE ON accounts_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_refuse_change();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS accounts_auditchainhead_keep ON accounts_auditchainhead;
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_audit_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_creditentry_membership_monthly_credit_cap_and_more"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
