"""POST statements of reasons to the EU Transparency Database's multiple-statements endpoint, 100 a call."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generations import outbound
from generations.actions import reports


class Command(BaseCommand):
    help = (
        "Submit a statement of reasons for every restrictive decision in a date range to the DSA Transparency "
        "Database (POST {\"statements\": [...]}, at most 100 a call, through the outbound guard). Statements the "
        "schema would reject are reported and not sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", default="", help="The batch endpoint (default: settings.DSA_TDB_ENDPOINT).")
        parser.add_argument("--token", default="", help="The API token (default: settings.DSA_TDB_TOKEN).")
        parser.add_argument("--since", default="", help="First day, YYYY-MM-DD (default: 29 days before --until).")
        parser.add_argument("--until", default="", help="Last day, YYYY-MM-DD, included (default: today).")
        parser.add_argument("--batch-size", type=int, default=reports.BATCH_SIZE)
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds per call.")

    def handle(self, *args, endpoint, token, since, until, batch_size, timeout, **options):
        endpoint = endpoint or settings.DSA_TDB_ENDPOINT
        token = token or settings.DSA_TDB_TOKEN
        if not token:
            raise CommandError("No API token: pass --token or set DSA_TDB_TOKEN.")
        if not 1 <= batch_size <= reports.BATCH_SIZE:
            raise CommandError(f"--batch-size must be 1 to {reports.BATCH_SIZE}.")
        try:
            start, end = reports.day_range(since, until)
        except ValueError as exc:
            raise CommandError(f"Bad date range: {exc}") from exc
        good = []
        for statement in reports.statements(start, end):
            problems = reports.statement_problems(statement)
            if problems:
                self.stderr.write(f"not sent: {statement.get('puid')}: {'; '.join(problems)}")
            else:
                good.append(statement)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json"}
        sent = failed = 0
        for batch in reports.batches(good, batch_size):
            body = json.dumps({"statements": batch}).encode()
            try:
                result = outbound.post(endpoint, body, headers=headers, timeout_s=timeout)
            except (outbound.UrlNotAllowed, outbound.FetchFailed) as exc:
                raise CommandError(f"Could not submit to {endpoint}: {exc}") from exc
            if result.status_code == 201:
                sent += len(batch)
            else:
                failed += len(batch)
                self.stderr.write(f"batch of {len(batch)} refused: HTTP {result.status_code}: {result.excerpt[:500]}")
        reports.do_record_export(
            "statements_submitted", since=start, until=end, rows=sent, via=f"manage.py submit_statements ({failed} refused)",
        )
        self.stdout.write(f"{sent} statements submitted, {failed} refused.")
        if failed:
            raise CommandError(f"{failed} statements were refused; they can be sent again.")
