"""`bench api`: the create endpoint under load, against the production server (gunicorn, DEBUG off, the
launcher's processes × threads).

A bounded load generator on loopback sends N creates with C connections, then the same load to a bare
Django JSON view served by the same server in the same run; the ratio says what the studio's work on
each create costs. Uses PostgreSQL when DATABASE_URL points at it, else a throwaway SQLite database.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import httpx
from django.conf import settings

from studio.launcher import (
    free_port,
    http_ok,
    redis_server_binary,
    tcp_open,
    wait_until,
    web_server_args,
)


def _load(url, *, requests, connections, method="GET", json=None, headers=None):
    """Send `requests` requests over `connections` keep-alive connections; (rps, latencies ms, codes)."""
    latencies, codes, lock = [], {}, threading.Lock()
    per_connection = [requests // connections + (1 if n < requests % connections else 0) for n in range(connections)]

    def run(count):
        with httpx.Client(timeout=30, headers=headers or {}) as client:
            for _ in range(count):
                begin = time.perf_counter()
                response = client.request(method, url, json=json)
                elapsed = (time.perf_counter() - begin) * 1000
                with lock:
                    latencies.append(elapsed)
                    codes[response.status_code] = codes.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=run, args=(count,)) for count in per_connection]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begin
    return requests / wall, sorted(latencies), codes


def split_cores():
    """(server cores, load-generator cores): the load generator should not share cores with the server under
    test. With n >= 2 cores the generator gets a quarter of them (at least one) and the server (gunicorn and
    Redis) the rest; on one core, or where affinity cannot be set, both get everything (None)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    generator = max(1, len(cores) // 4)
    return set(cores[generator:]), set(cores[:generator])


def _pinned(cores):
    """A preexec_fn that puts the child on `cores` (None: leave it)."""
    if not cores:
        return None
    return lambda: os.sched_setaffinity(0, cores)


def _percentile(values, fraction):
    return round(values[min(len(values) - 1, int(len(values) * fraction))], 2)


def run_api_bench(*, n=2000, connections=16):
    workdir = tempfile.mkdtemp(prefix="studio-bench-api-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "STUDIO_BENCH_VIEWS": "1", "DEBUG": "false",
           "USER_CREATE_RATE_PER_MINUTE": "0", "API_KEY_RATE_PER_MINUTE": "0", "DEFAULT_TEAM_CONCURRENCY": "100000000",
           "DEMO_ALLOWANCE": "100000000", "LOG_LEVEL": "WARNING", "STUDIO_PUBLIC_URL": ""}
    if not os.environ.get("DATABASE_URL"):
        env["STUDIO_VAR_DIR"] = workdir
    # The same processes × threads as the launcher runs (WEB_CONCURRENCY / WEB_THREADS to compare others).
    server_args = web_server_args(os.environ)
    server_cores, generator_cores = split_cores()
    previous_affinity = os.sched_getaffinity(0) if generator_cores else None
    children = []
    try:
        if not os.environ.get("REDIS_URL"):
            redis_port = free_port()
            children.append(subprocess.Popen(
                [redis_server_binary(), "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no", "--dir", workdir],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_pinned(server_cores),
            ))
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            wait_until(lambda: tcp_open("127.0.0.1", redis_port), timeout_s=10, what="Redis")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        key = subprocess.run([*manage, "create_api_key", "--user", "owner@example.com", "--name", "bench"], env=env, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        port = free_port()
        children.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "studio.wsgi:application", "--bind", f"127.0.0.1:{port}", *server_args,
             "--log-level", "warning"],
            env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_pinned(server_cores),
        ))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{base}/healthz"), timeout_s=120, what="gunicorn")
        if generator_cores:
            os.sched_setaffinity(0, generator_cores)  # this process sends the load
        headers = {"Authorization": f"Bearer {key}"}
        body = {"kind": "text2video", "prompt": "A red fox running through fresh snow", "duration": "5"}
        _load(f"{base}/api/v1/generations", requests=100, connections=connections, method="POST", json=body, headers=headers)  # warm-up
        create_rps, create_ms, create_codes = _load(f"{base}/api/v1/generations", requests=n, connections=connections,
                                                    method="POST", json=body, headers=headers)
        bare_rps, bare_ms, bare_codes = _load(f"{base}/bench/bare", requests=n, connections=connections)
    finally:
        if previous_affinity:
            os.sched_setaffinity(0, previous_affinity)
        for child in reversed(children):
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "requests": n,
        "connections": connections,
        "workers": int(server_args[1]),
        "threads": int(server_args[3]),
        "rps": round(create_rps, 1),
        "p50_ms": round(statistics.median(create_ms), 2),
        "p99_ms": _percentile(create_ms, 0.99),
        "codes": create_codes,
        "bare_rps": round(bare_rps, 1),
        "bare_p99_ms": _percentile(bare_ms, 0.99),
        "bare_codes": bare_codes,
        "ratio_to_bare": round(create_rps / bare_rps, 3),
        "server_cores": sorted(server_cores) if server_cores else "all",
        "load_generator_cores": sorted(generator_cores) if generator_cores else "all",
    }
