"""`bench pipeline`: N generations through a real RQ worker against a zero-delay simulator.

Reports the studio's own overhead per generation (everything but the upstream render: screening, credits,
audit, queueing, polling, download, decode check, scan, storage) and generations per minute per worker.

The upstream's own cost (rendering the clip) is timed between generations, not once up front: on a shared
machine the load changes within a run, and a render timed under other load than the generations it is
subtracted from skews the overhead by more than the studio's own changes move it. For the same reason it
also reports CPU seconds (every thread of the process, the in-process simulator's render included, then
less the render's own): wall time grows when another process holds a core, CPU time barely moves.
"""

import statistics
import tempfile
import time

import django_rq
from django.test import override_settings

from accounts.actions import do_create_team
from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits
from accounts.models import Team, User
from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import Generation
from generations.simulator import SimulatorConfig, start_in_thread
from generations.simulator.render import render_clip
from generations.states import Status
from generations.worker.burst import BurstWorker


def run_pipeline_bench(*, n=20):
    prompt = "A paper lantern rising over a dark lake"
    render_clip(prompt, duration=5, aspect_ratio="16:9")  # fonts and encoder loaded before anything is timed
    render_times, render_cpu = [], []

    config = SimulatorConfig(render_delay_s=0.0, data_dir=tempfile.mkdtemp(prefix="studio-bench-"))
    with start_in_thread(config) as upstream, override_settings(
        PROVIDER="simulator", SIMULATOR_URL=upstream.url, STUDIO_PUBLIC_URL="", GENERATION_POLL_INITIAL_S=0.05,
        GENERATION_POLL_MAX_S=0.1, USER_CREATE_RATE_PER_MINUTE=0, UPSTREAM_MAX_IN_FLIGHT=10_000,
    ):
        stamp = str(int(time.time() * 1000))
        user = User.objects.create_user(f"bench-{stamp}@example.invalid", password=None)
        team = do_create_team(name=f"Bench {stamp}", slug=f"bench-{stamp}", owner=user, actor=SYSTEM)
        Team.objects.filter(pk=team.pk).update(max_concurrent_generations=n + 1)
        team.refresh_from_db()
        do_grant_credits(team, 100 * n)
        queue = django_rq.get_queue("generations")
        wall = cpu = 0.0
        for index in range(n):
            begin, cpu_begin = time.perf_counter(), time.process_time()
            request = validate_generation_request({"prompt": f"{prompt} #{index}"}, default_model="kling-v1-6")
            do_submit_generation(team=team, user=user, request=request)
            # One generation at a time, so the figure is per generation and not hidden by overlap.
            BurstWorker([queue], connection=queue.connection).work(burst=True)
            wall += time.perf_counter() - begin
            cpu += time.process_time() - cpu_begin
            # What the upstream itself costs here: the same clip rendered on its own, under the same load.
            begin, cpu_begin = time.perf_counter(), time.process_time()
            render_clip(f"{prompt} #{index}", duration=5, aspect_ratio="16:9")
            render_times.append(time.perf_counter() - begin)
            render_cpu.append(time.process_time() - cpu_begin)
        finished = Generation.objects.filter(team=team)
        succeeded = finished.filter(status=Status.SUCCEEDED).count()
        scan_times = [result["scan_s"] for result in finished.values_list("scan_result", flat=True) if result]
    per_generation = wall / n
    render_s = statistics.median(render_times)
    return {
        "generations": n,
        "succeeded": succeeded,
        "per_generation_s": round(per_generation, 3),
        "render_s": round(render_s, 3),
        "overhead_s": round(max(0.0, per_generation - render_s), 3),
        "overhead_cpu_s": round(max(0.0, cpu / n - statistics.median(render_cpu)), 3),
        # Of the overhead: the output check (decode, poster, frame scan), median per generation.
        "scan_s": round(statistics.median(scan_times), 3) if scan_times else None,
        "generations_per_minute_per_worker": round(60 / per_generation, 1),
    }
