"""The one choke point for requests to addresses that users choose (image URLs, webhooks).

Every hop is resolved first and refused when any address it resolves to is loopback, private,
link-local (cloud metadata lives there), multicast, reserved or unspecified — IPv4 and IPv6, with the IPv4
address inside IPv4-mapped, 6to4 (2002::/16), Teredo (2001::/32) and NAT64 (64:ff9b::/96) forms checked
too — or when the port is not 80/443 (`OUTBOUND_ALLOWED_PORTS` adds ports), unless the operator
allow-list `WEBHOOK_ALLOWED_HOSTS` names the host. The connection
then goes to the address that was checked (pinned), so a DNS answer that changes between the check and
the connect cannot smuggle a private address in. Redirects are followed by hand and checked again.
The upstream provider's own hosts do not come through here: they are trusted by configuration.

A hostile server must not hold a thread or grow memory: httpx's timeout is per read, so every exchange
also has a wall-clock deadline across connect, headers and body, a minimum transfer rate after a short
grace, and a byte cap (a webhook receiver's answer is read only for a short excerpt).
"""

import functools
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 3

# One TLS context per process: building one loads the CA bundle (~30 ms), once per fetch or delivery before.
tls_context = functools.cache(httpx.create_ssl_context)


class UrlNotAllowed(Exception):
    code = "url_not_allowed"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class FetchFailed(Exception):
    code = "url_fetch_failed"

    def __init__(self, message, *, reason="failed"):
        super().__init__(message)
        self.message = message
        # "failed", "too_large" or "too_slow" (deadline or transfer rate): callers map it to a stable code.
        self.reason = reason


# A webhook receiver's answer is kept only as an excerpt for the delivery log.
RESPONSE_EXCERPT_BYTES = 2048


class Deadline:
    """A wall-clock budget for one exchange, and a minimum average rate once a grace period has passed."""

    def __init__(self, total_s, *, min_bytes_per_s=0, grace_s=0.0, clock=time.monotonic):
        self.clock = clock
        self.started = clock()
        self.total_s = total_s
        self.min_bytes_per_s = min_bytes_per_s
        self.grace_s = grace_s

    def remaining(self):
        return self.total_s - (self.clock() - self.started)

    def check(self, received=0):
        elapsed = self.clock() - self.started
        if elapsed > self.total_s:
            raise FetchFailed(f"The URL took longer than {self.total_s:g} s to answer in full.", reason="too_slow")
        if self.min_bytes_per_s and elapsed > self.grace_s and received < self.min_bytes_per_s * elapsed:
            raise FetchFailed(
                f"The URL sent data slower than {self.min_bytes_per_s // 1024} KB/s.", reason="too_slow"
            )

    def timeout(self):
        """httpx's per-operation timeout: never longer than what is left of the budget."""
        return httpx.Timeout(max(0.05, min(self.total_s, self.remaining())))


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection is pinned to


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(ip) -> list:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo server and client, NAT64): a
    router that speaks these forms delivers to the IPv4 address inside, so that is what must be public."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    inner = []
    if ip.ipv4_mapped is not None:
        inner.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        inner.append(ip.sixtofour)
    if ip.teredo is not None:
        inner.extend(ip.teredo)
    if ip in _NAT64:
        inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return inner


def _is_public(ip) -> bool:
    return not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    ) and ip.is_global


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64_LOCAL:
        return False  # local-use NAT64 prefix: translates into the operator's own networks
    inner = embedded_ipv4(ip)
    if inner:
        return all(_is_public(address) for address in inner)
    return _is_public(ip)


def allowed_ports():
    return {80, 443} | {int(port) for port in settings.OUTBOUND_ALLOWED_PORTS}


def _allowed_hosts():
    return {host.lower() for host in settings.WEBHOOK_ALLOWED_HOSTS}


def resolve_target(url: str, *, resolver=None) -> Target:
    """Check one URL; return where to connect, or raise UrlNotAllowed saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlNotAllowed("Only http and https URLs are allowed.")
    if parts.username or parts.password:
        raise UrlNotAllowed("URLs with credentials are not allowed.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlNotAllowed("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UrlNotAllowed("The URL's port is not valid.") from exc
    allow_listed = host in _allowed_hosts()
    if not allow_listed and port not in allowed_ports():
        # Checked before any DNS look-up: internal services listen on odd ports, web hooks on 80/443.
        raise UrlNotAllowed(
            f"Port {port} is not allowed; use 80 or 443, or ask an operator to allow-list the port or the host."
        )
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlNotAllowed(f"The host {host} could not be resolved.") from exc
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise UrlNotAllowed(f"The host {host} could not be resolved.")
    if not allow_listed:
        refused = [address for address in addresses if not address_is_public(address)]
        if refused:
            raise UrlNotAllowed(
                f"{host} resolves to a private, loopback or link-local address ({refused[0]}); such URLs are refused "
                "unless an operator allow-lists the host."
            )
    return Target(scheme=parts.scheme, host=host, port=port, address=addresses[0])


def _pinned(url, target):
    parts = urlsplit(url)
    literal = f"[{target.address}]" if ":" in target.address else target.address
    pinned = urlunsplit((parts.scheme, f"{literal}:{target.port}", parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return pinned, host_header, extensions


def _raw_chunks(response):
    """The body's bytes as the network delivers them, undecoded (an in-memory response, already read, at once)."""
    if response.is_stream_consumed:
        return [response.content]
    return response.iter_raw()


def fetch(url: str, *, max_bytes: int, timeout_s: float | None = None, resolver=None, transport=None) -> bytes:
    """GET a user-supplied URL through the guard; returns the body (at most `max_bytes`). The whole fetch,
    redirects included, ends within `timeout_s` (default OUTBOUND_FETCH_DEADLINE_S) of wall-clock time."""
    deadline = Deadline(
        timeout_s if timeout_s is not None else settings.OUTBOUND_FETCH_DEADLINE_S,
        min_bytes_per_s=settings.OUTBOUND_MIN_BYTES_PER_S,
        grace_s=settings.OUTBOUND_RATE_GRACE_S,
    )
    for _ in range(MAX_REDIRECTS + 1):
        target = resolve_target(url, resolver=resolver)
        pinned, host_header, extensions = _pinned(url, target)
        # Raw bytes only: a compressed answer could inflate far past max_bytes after the check.
        headers = {"Host": host_header, "User-Agent": "studio/0.1", "Accept-Encoding": "identity"}
        try:
            with httpx.Client(timeout=deadline.timeout(), transport=transport, follow_redirects=False, verify=tls_context()) as client:
                with client.stream("GET", pinned, headers=headers, extensions=extensions) as response:
                    deadline.check()
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("Location", ""))
                        continue
                    if response.status_code != 200:
                        raise FetchFailed(f"The URL answered HTTP {response.status_code}.")
                    if response.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
                        raise FetchFailed("The URL answered with a compressed body; send the file itself.")
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchFailed(f"The file at the URL is larger than {max_bytes // (1024 * 1024)} MB.", reason="too_large")
                    body = bytearray()
                    for chunk in _raw_chunks(response):  # as they arrive: a drip must meet the deadline check
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FetchFailed(f"The file at the URL is larger than {max_bytes // (1024 * 1024)} MB.", reason="too_large")
                        deadline.check(len(body))
                    return bytes(body)
        except httpx.TimeoutException as exc:
            raise FetchFailed(f"The URL took longer than {deadline.total_s:g} s to answer.", reason="too_slow") from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(f"The URL could not be fetched ({type(exc).__name__}).") from exc
    raise FetchFailed("The URL redirected too many times.")


@dataclass(frozen=True)
class PostResult:
    status_code: int
    excerpt: str  # the first RESPONSE_EXCERPT_BYTES of the answer, for the delivery log; the rest is never read


def post(url: str, body: bytes, *, headers: dict, timeout_s: float | None = None, resolver=None, transport=None) -> PostResult:
    """POST to a user-supplied URL through the guard (no redirects followed). The answer is streamed and
    only its first few KB are read; the whole exchange ends within `timeout_s` (default
    WEBHOOK_DELIVERY_DEADLINE_S) of wall-clock time."""
    deadline = Deadline(timeout_s if timeout_s is not None else settings.WEBHOOK_DELIVERY_DEADLINE_S)
    target = resolve_target(url, resolver=resolver)
    pinned, host_header, extensions = _pinned(url, target)
    request_headers = {**headers, "Host": host_header, "User-Agent": "studio-webhooks/0.1"}
    try:
        with httpx.Client(timeout=deadline.timeout(), transport=transport, follow_redirects=False, verify=tls_context()) as client:
            with client.stream("POST", pinned, content=body, headers=request_headers, extensions=extensions) as response:
                deadline.check()
                excerpt = bytearray()
                for chunk in _raw_chunks(response):
                    excerpt.extend(chunk)
                    if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                        break  # closing the stream drops the rest unread
                    deadline.check()
                return PostResult(response.status_code, bytes(excerpt[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", "replace"))
    except httpx.TimeoutException as exc:
        raise FetchFailed(f"The endpoint did not answer within {deadline.total_s:g} s.", reason="too_slow") from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"The endpoint could not be reached ({type(exc).__name__}).") from exc
