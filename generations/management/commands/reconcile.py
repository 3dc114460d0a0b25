import time

from django.core.management.base import BaseCommand

from generations.worker.housekeeping import run_housekeeping


class Command(BaseCommand):
    help = "Drive stuck generations on (requeue, or fail past their deadline) and renew monthly allowances."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds until stopped")

    def handle(self, *args, every, **options):
        while True:
            report = run_housekeeping()
            if report.requeued or report.failed or report.renewed_teams or not every:
                self.stdout.write(
                    f"reconcile: requeued {report.requeued}, failed {report.failed}, renewed {report.renewed_teams} team(s)"
                )
            if not every:
                return
            time.sleep(every)
