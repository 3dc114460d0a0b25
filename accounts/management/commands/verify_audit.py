from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit ledger's hash chain: exit 0 with the count, or non-zero naming the first broken link."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            where = f"event #{report.broken_event_id}" if report.broken_event_id else "the chain head"
            raise CommandError(f"Audit chain broken at {where}: {report.reason} ({report.count} events verified before it).")
        self.stdout.write(f"Audit chain intact: {report.count} events.")
