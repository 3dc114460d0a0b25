"""Write the decision log: one row per restrictive or review decision, automated and human."""

from django.core.management.base import BaseCommand, CommandError

from generations.actions import reports


class Command(BaseCommand):
    help = "Export every restrictive or review decision in a date range as CSV or JSON lines (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--since", default="", help="First day, YYYY-MM-DD (default: 29 days before --until).")
        parser.add_argument("--until", default="", help="Last day, YYYY-MM-DD, included (default: today).")
        parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
        parser.add_argument("--output", default="", help="A file to write (default: standard output).")

    def handle(self, *args, since, until, format, output, **options):
        try:
            start, end = reports.day_range(since, until)
        except ValueError as exc:
            raise CommandError(f"Bad date range: {exc}") from exc
        rows = reports.decisions(start, end)
        text = reports.decision_log_csv(rows) if format == "csv" else reports.decision_log_jsonl(rows)
        reports.do_record_export("decisions", since=start, until=end, rows=len(rows), via=f"manage.py export_decisions --format {format}")
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            self.stderr.write(f"{len(rows)} decisions written to {output}")
        else:
            self.stdout.write(text, ending="")
