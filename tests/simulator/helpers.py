"""Helpers for the simulator tests: an API client, polling, test images, a loopback HTTP server."""

from __future__ import annotations

import base64
import io
import json
import math
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import av
import httpx
import numpy as np
from PIL import Image

TOKEN = "test-token"


def api_client(simulator, token: str | None = TOKEN, **kwargs) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs.setdefault("timeout", 15.0)
    return httpx.Client(base_url=simulator.url, headers=headers, trust_env=False, **kwargs)


def assert_error(response, http_status, code, message=None):
    """An answer in the upstream's error envelope with this HTTP status, business code and message part."""
    assert response.status_code == http_status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["request_id"]
    assert "data" not in body
    if message is not None:
        assert message in body["message"], body["message"]


def wait_for_task(client, kind, ident, statuses=("succeed", "failed"), timeout=20.0, seen=None):
    """Poll a task until its status is one of `statuses`; `seen` collects every status observed."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/videos/{kind}/{ident}")
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        if seen is not None and (not seen or seen[-1] != data["task_status"]):
            seen.append(data["task_status"])
        if data["task_status"] in statuses:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"task {ident} still {data['task_status']} after {timeout}s")
        time.sleep(0.03)


def image_bytes(width=800, height=450, colours=((220, 40, 40), (40, 60, 220)), fmt="PNG") -> bytes:
    """An image whose left half is colours[0] and right half colours[1]."""
    image = Image.new("RGB", (width, height), colours[0])
    image.paste(Image.new("RGB", (width - width // 2, height), colours[1]), (width // 2, 0))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def image_base64(*args, **kwargs) -> str:
    return base64.b64encode(image_bytes(*args, **kwargs)).decode()


def wav_bytes(seconds: float, loud_until: float | None = None, rate: int = 16_000) -> bytes:
    """A mono 16-bit WAV: a 220 Hz tone until `loud_until` (default: throughout), silence after."""
    t = np.arange(int(seconds * rate)) / rate
    loud = t < (seconds if loud_until is None else loud_until)
    samples = (np.sin(2 * math.pi * 220 * t) * 12_000 * loud).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def frames_at(data: bytes, indexes) -> dict[int, np.ndarray]:
    """Decoded RGB frames (as int16, ready to subtract) at the given positions of a clip."""
    wanted, found = set(indexes), {}
    with av.open(io.BytesIO(data)) as container:
        for position, frame in enumerate(container.decode(video=0)):
            if position in wanted:
                found[position] = frame.to_ndarray(format="rgb24").astype(np.int16)
                if len(found) == len(wanted):
                    break
    missing = wanted - set(found)
    assert not missing, f"clip has no frames {sorted(missing)}"
    return found


class LoopbackServer:
    """A small HTTP server on 127.0.0.1: records POSTed JSON (callbacks) and serves canned GET bodies."""

    def __init__(self):
        self.received: list[dict] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self._changed = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner._changed:
                    owner.received.append(json.loads(body))
                    owner._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                content_type, body = owner.files.get(self.path, ("text/plain", b""))
                self.send_response(200 if self.path in owner.files else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def wait_for(self, predicate, timeout=20.0) -> list[dict]:
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.received), timeout=timeout):
                raise AssertionError(f"callbacks never matched; received {self.received}")
            return list(self.received)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
