"""The one choke point for requests to addresses that users choose (image URLs, webhooks).

Every hop is resolved first and refused when any address it resolves to is loopback, private,
link-local (cloud metadata lives there), multicast, reserved or unspecified — IPv4 and IPv6, IPv4-mapped
IPv6 included — unless the operator allow-list `WEBHOOK_ALLOWED_HOSTS` names the host. The connection
then goes to the address that was checked (pinned), so a DNS answer that changes between the check and
the connect cannot smuggle a private address in. Redirects are followed by hand and checked again.
The upstream provider's own hosts do not come through here: they are trusted by configuration.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 3


class UrlNotAllowed(Exception):
    code = "url_not_allowed"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class FetchFailed(Exception):
    code = "url_fetch_failed"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection is pinned to


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    ) and ip.is_global


def _allowed_hosts():
    return {host.lower() for host in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", [])}


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
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlNotAllowed(f"The host {host} could not be resolved.") from exc
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise UrlNotAllowed(f"The host {host} could not be resolved.")
    if host not in _allowed_hosts():
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


def fetch(url: str, *, max_bytes: int, timeout_s: float = 10.0, resolver=None, transport=None) -> bytes:
    """GET a user-supplied URL through the guard; returns the body (at most `max_bytes`)."""
    for _ in range(MAX_REDIRECTS + 1):
        target = resolve_target(url, resolver=resolver)
        pinned, host_header, extensions = _pinned(url, target)
        headers = {"Host": host_header, "User-Agent": "studio/0.1"}
        try:
            with httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False) as client:
                with client.stream("GET", pinned, headers=headers, extensions=extensions) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("Location", ""))
                        continue
                    if response.status_code != 200:
                        raise FetchFailed(f"The URL answered HTTP {response.status_code}.")
                    body = bytearray()
                    for chunk in response.iter_bytes(64 * 1024):
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FetchFailed(f"The file at the URL is larger than {max_bytes // (1024 * 1024)} MB.")
                    return bytes(body)
        except httpx.HTTPError as exc:
            raise FetchFailed(f"The URL could not be fetched ({type(exc).__name__}).") from exc
    raise FetchFailed("The URL redirected too many times.")


def post(url: str, body: bytes, *, headers: dict, timeout_s: float = 10.0, resolver=None, transport=None):
    """POST to a user-supplied URL through the guard (no redirects followed); returns the status code."""
    target = resolve_target(url, resolver=resolver)
    pinned, host_header, extensions = _pinned(url, target)
    try:
        with httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False) as client:
            response = client.post(
                pinned, content=body, headers={**headers, "Host": host_header, "User-Agent": "studio-webhooks/0.1"}, extensions=extensions
            )
            return response.status_code
    except httpx.HTTPError as exc:
        raise FetchFailed(f"The endpoint could not be reached ({type(exc).__name__}).") from exc
