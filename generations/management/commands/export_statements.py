"""Write DSA statements of reasons (EU Transparency Database schema) as JSON lines."""

import json

from django.core.management.base import BaseCommand, CommandError

from generations.actions import reports


class Command(BaseCommand):
    help = "Export a statement of reasons for every restrictive decision in a date range, one JSON object a line (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--since", default="", help="First day, YYYY-MM-DD (default: 29 days before --until).")
        parser.add_argument("--until", default="", help="Last day, YYYY-MM-DD, included (default: today).")
        parser.add_argument("--output", default="", help="A file to write (default: standard output).")

    def handle(self, *args, since, until, output, **options):
        try:
            start, end = reports.day_range(since, until)
        except ValueError as exc:
            raise CommandError(f"Bad date range: {exc}") from exc
        statements = reports.statements(start, end)
        text = "".join(json.dumps(statement, sort_keys=True) + "\n" for statement in statements)
        reports.do_record_export("statements", since=start, until=end, rows=len(statements), via="manage.py export_statements")
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"{len(statements)} statements written to {output}")
        else:
            self.stdout.write(text, ending="")
