"""`manage.py bench NAME [--json]`: run one named benchmark and print its numbers (screening on one core,
the others on the whole machine, as their targets are stated).

Benchmarks register in BENCHMARKS as "module:function" (imported only when run); each returns a dict.
"""

import importlib
import inspect
import json
import os

from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {
    "screening": "studio.perf.bench_screening:bench_screening",
    "scan": "studio.perf.bench_scan:run_scan_bench",
    "api": "studio.perf.bench_api:run_api_bench",
    "pipeline": "studio.perf.bench_pipeline:run_pipeline_bench",
    "history": "studio.perf.bench_history:run_history_bench",
    "audit": "studio.perf.bench_audit:run_audit_bench",
    "abuse": "studio.perf.bench_abuse:run_abuse_bench",
    "provenance": "studio.perf.bench_provenance:run_provenance_bench",
    "hashbank": "studio.perf.bench_hashbank:run_hashbank_bench",
    "review": "studio.perf.bench_review:run_review_bench",
}
# Figures the issues state per core; the others are measured on the whole (2-core) machine.
ONE_CORE = {"screening"}


def _pin_to_one_core():
    """Numbers are per core: pin the process to one core where the platform allows it. Returns the core and
    the previous affinity, to restore afterwards (the command may run inside a longer-lived process)."""
    if not hasattr(os, "sched_setaffinity"):
        return None, None
    previous = os.sched_getaffinity(0)
    core = max(previous)
    os.sched_setaffinity(0, {core})
    return core, previous


class Command(BaseCommand):
    help = "Run a named benchmark (known: " + ", ".join(sorted(BENCHMARKS)) + ") and print its numbers."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true", help="one JSON line")
        parser.add_argument("-n", type=int, default=None, help="how many items (benchmark default if omitted)")

    def handle(self, *args, name, json: bool, n, **options):
        target = BENCHMARKS.get(name)
        if target is None:
            raise CommandError(f"Unknown benchmark {name!r}. Known benchmarks: {', '.join(sorted(BENCHMARKS))}.")
        module_name, function_name = target.split(":")
        function = getattr(importlib.import_module(module_name), function_name)
        core, previous = _pin_to_one_core() if name in ONE_CORE else (None, None)
        try:
            result = function(**_size_argument(function, n)) if n else function()
        finally:
            if previous is not None:
                os.sched_setaffinity(0, previous)
        result = {**result, "core": core if core is not None else "all"}
        if json:
            self.stdout.write(_dumps(result))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")


def _size_argument(function, n):
    """Benchmarks name their size differently (n, generations, events): pass -n to whichever it takes."""
    parameters = inspect.signature(function).parameters
    for name in ("n", "generations", "events", "requests"):
        if name in parameters:
            return {name: n}
    raise CommandError("this benchmark has no size to set")


def _dumps(value):
    return json.dumps(value)
