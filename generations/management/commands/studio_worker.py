from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from generations.moderation.visual import scanning


class Command(BaseCommand):
    help = (
        "An RQ worker for the studio's queues whose frame detectors are loaded and warm before the first job. "
        "A detector that cannot load stops the worker here, loudly: outputs are never passed unscanned."
    )

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", default=["generations", "moderation", "webhooks", "default"])
        parser.add_argument("--with-scheduler", action="store_true")
        parser.add_argument("--burst", action="store_true")

    def handle(self, *args, queues, with_scheduler, burst, **options):
        try:
            scanning.check_detectors_ready()
            scanning.warm_up()
        except scanning.DetectorUnavailable as exc:
            raise CommandError(f"frame detectors not ready: {exc}") from exc
        self.stdout.write("frame detectors ready")
        call_command("rqworker", *queues, with_scheduler=with_scheduler, burst=burst)
