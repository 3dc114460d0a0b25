import json

from django.core.management.base import BaseCommand, CommandError

from studio.perf.chaos_soak import run_chaos_soak
from studio.perf.soak import DEFAULT_FAULTS, run_soak


class Command(BaseCommand):
    help = (
        "Fault soak: N generations through an in-process RQ worker against a simulator injecting faults. "
        "Uses the configured database and Redis; creates its own team. Exits non-zero if an invariant breaks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generations", type=int, default=200)
        parser.add_argument("--faults", default=DEFAULT_FAULTS)
        parser.add_argument("--time-limit", type=float, default=900)
        parser.add_argument("--json", action="store_true", help="print one JSON line")
        parser.add_argument(
            "--chaos", action="store_true",
            help="real worker processes, two SIGKILLed mid-run, and the Redis server restarted once (its own Redis)",
        )

    def handle(self, *args, generations, faults, time_limit, json: bool, chaos, **options):
        runner = run_chaos_soak if chaos else run_soak
        report = runner(
            generations=generations,
            faults=faults,
            time_limit_s=time_limit,
            log=(lambda message: None) if json else (lambda message: self.stderr.write(message)),
        )
        self.stdout.write(_json.dumps(report.as_dict()) if json else "\n".join(f"{k}: {v}" for k, v in report.as_dict().items()))
        if not report.ok:
            raise CommandError("the soak broke an invariant (see above)")


_json = json
