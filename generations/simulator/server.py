"""A threaded stdlib WSGI server for the simulator: blocking `serve` or `start_in_thread` for tests."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .app import SimulatorApp, make_app
from .config import SimulatorConfig


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a stalled request (the `timeout` fault) must not block shutdown
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = host, port
        self.setup_environ()


def _make_server(app: SimulatorApp, host: str, port: int) -> tuple[_ThreadingWSGIServer, str]:
    server = _ThreadingWSGIServer((host, port), _QuietHandler)
    server.set_app(app)
    bound_host, bound_port = server.server_address[:2]
    public_host = "127.0.0.1" if bound_host in ("0.0.0.0", "") else bound_host
    url = f"http://{public_host}:{bound_port}"
    app.base_url = url
    return server, url


class SimulatorHandle:
    """A simulator serving in a background thread. Use as a context manager or call stop()."""

    def __init__(self, app: SimulatorApp, server: _ThreadingWSGIServer, url: str):
        self.app = app
        self.url = url
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def config(self) -> SimulatorConfig:
        return self.app.config

    def stop(self) -> None:
        self.app.shutdown()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_in_thread(config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> SimulatorHandle:
    """Start serving on (host, port) — port 0 picks a free one — and return at once."""
    app = make_app(config or SimulatorConfig())
    server, url = _make_server(app, host, port)
    return SimulatorHandle(app, server, url)


def serve(
    config: SimulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    on_listening: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (KeyboardInterrupt/SystemExit); `on_listening(url)` runs once bound."""
    app = make_app(config or SimulatorConfig())
    server, url = _make_server(app, host, port)
    if on_listening is not None:
        on_listening(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        app.shutdown()
        server.server_close()
