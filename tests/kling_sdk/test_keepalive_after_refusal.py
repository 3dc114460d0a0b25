"""An early refusal of a large POST body leaves the keep-alive connection usable (real gunicorn, raw socket).

Before: the door answered 401/404 without reading the body; gunicorn drained 64 KiB, closed a connection
it had announced as keep-alive, and the client's next request on it failed with EPIPE / ECONNRESET.
"""

import io
import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from studio.launcher import free_port, http_ok, wait_until, web_server_args
from studio.middleware import UnreadBodyMiddleware

pytestmark = pytest.mark.e2e

BODY = b'{"prompt": "' + b"x" * (1024 * 1024) + b'"}'


@pytest.fixture(scope="module")
def gunicorn(redis_url, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("keepalive")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "DEBUG": "false", "STUDIO_VAR_DIR": str(workdir),
           "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "1", "WEB_THREADS": "2"}
    env.pop("DATABASE_URL", None)
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "studio.wsgi:application", "--bind", f"127.0.0.1:{port}", *web_server_args(env),
         "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), timeout_s=60, what="gunicorn")
        yield port
    finally:
        child.terminate()
        child.wait(10)


def read_response(sock):
    """(status, headers, body) of one HTTP/1.1 response with a Content-Length, read off a raw socket."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        rest += chunk
    return status, headers, rest[:length]


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/kling/v1/videos/text2video", "", 401, 1001),  # no credentials
        ("/kling/v1/videos/text2video", "Authorization: Bearer sk-nope.nope\r\n", 401, 1002),
        ("/kling/v1/no-such-thing", "", 404, 1203),
    ],
)
def test_two_requests_on_one_socket_after_a_refused_large_body(gunicorn, path, headers, status, code):
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY
        )
        first_status, first_headers, first_body = read_response(sock)
        assert (first_status, json.loads(first_body)["code"]) == (status, code)
        if first_headers.get("connection", "").lower() == "close":
            return  # closed honestly: the client knows not to reuse the socket
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        second_status, _second_headers, second_body = read_response(sock)
        assert second_status == 200 and b'"ok"' in second_body


def test_a_body_beyond_any_accepted_size_is_not_read_and_the_answer_says_connection_close():
    huge = RequestFactory().post("/kling/v1/videos/text2video", data=b"{}", content_type="application/json")
    huge.META["CONTENT_LENGTH"] = str(settings.MAX_UPLOAD_REQUEST_BYTES + 1)
    huge.META["wsgi.input"] = io.BytesIO(b"{}")
    response = UnreadBodyMiddleware(lambda request: HttpResponse(status=401))(huge)
    assert response["Connection"] == "close"


def test_a_body_the_view_read_is_left_alone():
    request = RequestFactory().post("/kling/v1/videos/text2video", data=b'{"a": 1}', content_type="application/json")

    def view(request):
        assert request.body == b'{"a": 1}'
        return HttpResponse(status=400)

    response = UnreadBodyMiddleware(view)(request)
    assert not response.has_header("Connection")
