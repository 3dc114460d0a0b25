"""Hostile HTTP servers on 127.0.0.1 for the abuse benchmark (`bench abuse`) and the security tests: an
endless body, a slow drip, whatever a behaviour sends. Loopback only, bounded in connections, bytes and
time, and they stop by themselves."""

import socket
import threading
import time


class HostileServer:
    """A loopback HTTP server that answers every request with `behaviour(connection, server)`.

    Bounded: it serves at most `max_connections`, each behaviour stops at `max_bytes` sent, and the whole
    server closes after `lifetime_s`, whatever happens."""

    def __init__(self, behaviour, *, max_connections=4, max_bytes=8 * 1024 * 1024, lifetime_s=20.0):
        self.behaviour = behaviour
        self.max_bytes = max_bytes
        self.max_connections = max_connections
        self.deadline = time.monotonic() + lifetime_s
        self.bytes_sent = 0
        self.requests = 0
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def alive(self):
        return time.monotonic() < self.deadline

    def _serve(self):
        served = 0
        while self.alive() and served < self.max_connections:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            served += 1
            with connection:
                connection.settimeout(2)
                try:
                    self._read_request(connection)
                    self.requests += 1
                    self.behaviour(connection, self)
                except OSError:
                    pass  # the client hung up: what a studio that stops reading does
        self.listener.close()

    @staticmethod
    def _read_request(connection):
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = connection.recv(4096)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = min(int(line.split(b":")[1]), 1024 * 1024)
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk

    def send(self, connection, data):
        connection.sendall(data)
        self.bytes_sent += len(data)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.deadline = 0
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
