"""The SSRF guard in front of every user-chosen URL."""

import ipaddress
import socket

import httpx
import pytest

from generations import outbound


def resolver_for(*addresses):
    """Resolve every name to `addresses`; an IP literal resolves to itself, as getaddrinfo does."""

    def resolve(host, port, type=0):
        try:
            ipaddress.ip_address(host)
            return socket.getaddrinfo(host, port, type=type)
        except ValueError:
            pass
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/image.png",
        "http://10.0.0.1/image.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/image.png",
        "http://[::ffff:127.0.0.1]/image.png",
        "http://0.0.0.0/",
        "http://192.168.1.20:8080/x",
        "http://172.16.5.4/x",
        "http://[fe80::1]/x",
        "http://224.0.0.1/x",
    ],
)
def test_it_refuses_loopback_private_link_local_and_multicast_addresses(url):
    with pytest.raises(outbound.UrlNotAllowed):
        outbound.resolve_target(url)


def test_it_refuses_a_hostname_that_resolves_to_a_private_address():
    with pytest.raises(outbound.UrlNotAllowed, match="private"):
        outbound.resolve_target("https://images.example.com/cat.png", resolver=resolver_for("93.184.216.34", "10.1.2.3"))


def test_localhost_by_name_is_refused():
    with pytest.raises(outbound.UrlNotAllowed):
        outbound.resolve_target("http://localhost:8000/x")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "gopher://x"])
def test_it_refuses_other_schemes_and_credentials(url):
    with pytest.raises(outbound.UrlNotAllowed):
        outbound.resolve_target(url, resolver=resolver_for("93.184.216.34"))


def test_an_operator_can_allow_list_an_internal_host(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["images.internal"]
    target = outbound.resolve_target("http://images.internal/cat.png", resolver=resolver_for("10.0.0.7"))
    assert target.address == "10.0.0.7"


def test_the_connection_is_pinned_to_the_checked_address():
    seen = {}

    def handler(request):
        seen["url"], seen["host"] = str(request.url), request.headers["Host"]
        return httpx.Response(200, content=b"png-bytes")

    body = outbound.fetch(
        "http://images.example.com/cat.png", max_bytes=100, resolver=resolver_for("93.184.216.34"), transport=httpx.MockTransport(handler)
    )
    assert body == b"png-bytes"
    assert seen == {"url": "http://93.184.216.34/cat.png", "host": "images.example.com"}


def test_a_redirect_to_a_private_address_is_refused():
    def handler(request):
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    with pytest.raises(outbound.UrlNotAllowed):
        outbound.fetch(
            "http://images.example.com/cat.png", max_bytes=100, resolver=resolver_for("93.184.216.34"), transport=httpx.MockTransport(handler)
        )


def test_a_body_over_the_limit_is_refused():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 1000))
    with pytest.raises(outbound.FetchFailed, match="larger"):
        outbound.fetch("http://images.example.com/big.png", max_bytes=100, resolver=resolver_for("93.184.216.34"), transport=transport)
