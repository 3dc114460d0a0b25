from django.core.management.base import BaseCommand, CommandError

from accounts.audit import read_checkpoint_file, verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit ledger's hash chain: exit 0 with the count, or non-zero naming the first broken link. "
        "With --checkpoint FILE, also check the ledger against checkpoints exported earlier "
        "(`audit_checkpoint --append-to FILE`), which catches a ledger whose newest events were cut off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="append", default=[], metavar="FILE",
            help="a file of exported checkpoints (JSON lines) kept away from the database; may be repeated",
        )

    def handle(self, *args, **options):
        exported = []
        for path in options["checkpoint"]:
            try:
                exported.extend(read_checkpoint_file(path))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint file: {exc}") from None
        report = verify_chain(external_checkpoints=exported)
        if not report.ok:
            where = f"event #{report.broken_event_id}" if report.broken_event_id else "the chain head"
            raise CommandError(
                f"Audit chain broken at {where}: {report.reason} ({report.count} events verified before it) [{report.code}]."
            )
        against = f", agreeing with {len(exported)} exported checkpoint(s)" if exported else ""
        self.stdout.write(f"Audit chain intact: {report.count} events{against}.")
