"""The chaos soak: the fault soak with real worker processes, two of them killed with SIGKILL mid-run and
the Redis server restarted (losing every queued job) once. What must hold still holds: every generation
ends terminal, none is lost or charged twice, the ledger balances, the audit chain is intact. Lost jobs
come back through the reconciler, not by luck.

Uses the configured database (SQLite file or DATABASE_URL), which the worker processes share.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

from django.conf import settings
from django.test import override_settings

from generations.models import Generation
from generations.simulator import SimulatorConfig, start_in_thread
from generations.states import TERMINAL
from generations.worker.housekeeping import run_housekeeping
from studio.launcher import free_port, redis_server_binary, tcp_open, wait_until
from studio.perf.soak import (
    DEFAULT_FAULTS,
    SoakReport,
    check_invariants,
    count_duplicated_upstream,
    submit_soak_generations,
)

# The same short timeouts the in-process soak uses, passed to the worker processes as environment.
FAST = {
    "PROVIDER_TIMEOUT_S": "1",
    "GENERATION_POLL_SLICE_S": "1",
    "GENERATION_POLL_INITIAL_S": "0.05",
    "GENERATION_POLL_MAX_S": "0.2",
    "GENERATION_DEADLINE_BASE_S": "150",
    "GENERATION_DEADLINE_PER_SECOND_S": "0",
    "GENERATION_STALL_S": "3",
    "GENERATION_MAX_SUBMIT_ATTEMPTS": "4",
    "UPSTREAM_MAX_IN_FLIGHT": "50",
    "USER_CREATE_RATE_PER_MINUTE": "0",
    "STUDIO_PUBLIC_URL": "",
    "LOG_LEVEL": "WARNING",
}


class _Redis:
    def __init__(self, port, workdir):
        self.port, self.workdir, self.process = port, workdir, None

    def start(self):
        self.process = subprocess.Popen(
            [redis_server_binary(), "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: tcp_open("127.0.0.1", self.port), timeout_s=10, what="Redis")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _worker(env):
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "studio_worker", "generations", "moderation", "webhooks", "default"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def run_chaos_soak(*, generations=60, faults=DEFAULT_FAULTS, time_limit_s=600, log=lambda message: None):


    report = SoakReport(generations=generations, faults=faults)
    workdir = tempfile.mkdtemp(prefix="studio-chaos-")
    redis_server = _Redis(free_port(), workdir)
    redis_server.start()
    redis_url = f"redis://127.0.0.1:{redis_server.port}/0"
    queues = {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 120} for name in settings.GENERATION_QUEUES}
    config = SimulatorConfig(render_delay_s=0.05, faults=faults, seed=11, data_dir=workdir, timeout_sleep_s=1.5)
    workers, kills, started = [], [], time.monotonic()
    try:
        with start_in_thread(config) as upstream, override_settings(
            RQ_QUEUES=queues, PROVIDER="simulator", SIMULATOR_URL=upstream.url,
            # The workers read FAST from their environment as text; this process gets the same values with
            # each setting's own type (looked up by name, hence getattr).
            **{name: type(getattr(settings, name))(value) if name != "STUDIO_PUBLIC_URL" else value
               for name, value in FAST.items() if name != "LOG_LEVEL"},
        ):
            env = {**os.environ, **FAST, "REDIS_URL": redis_url, "SIMULATOR_URL": upstream.url, "PROVIDER": "simulator"}
            workers = [_worker(env), _worker(env)]
            team = submit_soak_generations("chaos", generations)
            log(f"submitted {generations}; faults {faults}")
            rows = Generation.objects.filter(team=team)
            plan = [(0.15, "kill worker"), (0.3, "restart redis"), (0.45, "kill worker")]
            while time.monotonic() - started < time_limit_s:
                done = rows.filter(status__in=TERMINAL).count()
                if done == generations:
                    break
                if plan and done >= plan[0][0] * generations:
                    _, action = plan.pop(0)
                    if action == "kill worker":
                        victim = workers.pop(0)
                        victim.send_signal(signal.SIGKILL)
                        victim.wait(10)
                        workers.append(_worker(env))
                    else:
                        redis_server.stop()
                        time.sleep(1)
                        redis_server.start()
                    kills.append(f"{action} at {done}/{generations}")
                    log(kills[-1])
                # A supervisor (systemd, the launcher) restarts a worker that exited, e.g. when Redis went away.
                for index, worker in enumerate(workers):
                    if worker.poll() is not None:
                        workers[index] = _worker(env)
                        kills.append(f"worker exited (code {worker.returncode}) and was restarted at {done}/{generations}")
                time.sleep(1)
                run_housekeeping()
            report.duplicated_upstream = count_duplicated_upstream(upstream)
            report.faults_injected = dict(upstream.app.faults.injected)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
        redis_server.stop()
    report.chaos = kills
    return check_invariants(report, team, started=started)
