import json

from django.core.management.base import BaseCommand, CommandError

from studio.perf.chaos_soak import run_chaos_soak
from studio.perf.cluster import CLUSTER_FAULTS, run_cluster_rehearsal
from studio.perf.soak import DEFAULT_FAULTS, run_soak


class Command(BaseCommand):
    help = (
        "Fault soak: N generations through an in-process RQ worker against a simulator injecting faults. "
        "Uses the configured database and Redis; creates its own team. Exits non-zero if an invariant breaks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generations", type=int, default=200)
        parser.add_argument("--faults", default=None, help=f"default {DEFAULT_FAULTS} (--cluster: {CLUSTER_FAULTS})")
        parser.add_argument("--time-limit", type=float, default=900)
        parser.add_argument("--json", action="store_true", help="print one JSON line")
        parser.add_argument(
            "--chaos", action="store_true",
            help="real worker processes, two SIGKILLed mid-run, and the Redis server restarted once (its own Redis)",
        )
        parser.add_argument(
            "--cluster", action="store_true",
            help="the cluster rehearsal: PostgreSQL (DATABASE_URL; a throwaway database), Redis, SeaweedFS, two web "
                 "and three worker processes without a shared filesystem, one of each SIGKILLed and Redis restarted",
        )

    def handle(self, *args, generations, faults, time_limit, json: bool, chaos, cluster, **options):
        runner = run_cluster_rehearsal if cluster else run_chaos_soak if chaos else run_soak
        report = runner(
            generations=generations,
            faults=faults or (CLUSTER_FAULTS if cluster else DEFAULT_FAULTS),
            time_limit_s=time_limit,
            log=(lambda message: None) if json else (lambda message: self.stderr.write(message)),
        )
        self.stdout.write(_json.dumps(report.as_dict()) if json else "\n".join(f"{k}: {v}" for k, v in report.as_dict().items()))
        if not report.ok:
            raise CommandError("the soak broke an invariant (see above)")


_json = json
