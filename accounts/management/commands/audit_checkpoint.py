import json
import os

from django.core.management.base import BaseCommand

from accounts.audit import make_checkpoint


class Command(BaseCommand):
    help = (
        "Sign the audit chain's head (event count, last hash, time) with AUDIT_CHECKPOINT_KEY and append it to the "
        "ledger as a checkpoint. Keep the printed line somewhere the database cannot reach: a rewrite of history "
        "cannot agree with it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="only when AUDIT_CHECKPOINT_INTERVAL_S has passed since the last checkpoint and events were added",
        )
        parser.add_argument("--json", action="store_true", help="print the checkpoint as one JSON line")
        parser.add_argument(
            "--append-to", metavar="FILE",
            help="also append the checkpoint as a JSON line to FILE (created 0600), for `verify_audit --checkpoint FILE`; "
            "keep FILE where the database's users cannot write",
        )

    def handle(self, *args, **options):
        event = make_checkpoint(force=not options["if_due"])
        if event is None:
            self.stdout.write("No checkpoint due.")
            return
        if options["append_to"]:
            descriptor = os.open(options["append_to"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(_json_line(event) + "\n")
        if options["json"]:
            self.stdout.write(_json_line(event))
            return
        extra = event.extra
        self.stdout.write(
            f"Checkpoint #{event.pk}: {extra['count']} events ending in {extra['hash']}, "
            f"signed with key {extra['key_id']!r} at {extra['at']}."
        )


def _json_line(event):
    return json.dumps({"event_id": event.pk, "event_hash": event.hash, **event.extra}, sort_keys=True)
