"""`make run`'s launcher, run as a user would: it serves the portal, and stopping it leaves nothing behind."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from studio.launcher import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it only waits to be reaped.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def _wait_for(predicate, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGKILL])
def test_it_serves_the_portal_and_stops_every_child(tmp_path, stop_signal):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SIMULATOR_URL", "DATABASE_URL")}
    env.update(STUDIO_VAR_DIR=str(tmp_path / "var"), STUDIO_PORT=str(port), STUDIO_WORKERS="1", WEB_CONCURRENCY="1")
    launcher = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        banner = []
        deadline = time.monotonic() + 90
        for line in launcher.stdout:
            banner.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        text = "".join(banner)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert "owner@example.com" in text and "moderator@example.com" in text

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/sign-in/", timeout=5) as page:
            assert page.status == 200 and b"Sign in" in page.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/studio/studio.css", timeout=5) as css:
            assert css.status == 200

        children = _children(launcher.pid)
        assert len(children) >= 4  # redis, simulator, web, worker
        launcher.send_signal(stop_signal)
        launcher.wait(60)
        assert _wait_for(lambda: not any(_alive(pid) for pid in children), 30), [
            Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in children if _alive(pid)
        ]
    finally:
        if launcher.poll() is None:
            launcher.kill()
