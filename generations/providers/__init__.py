"""Upstream video providers. `get_provider()` returns the one the settings select."""

from django.conf import settings

from .base import ProviderError, TaskSnapshot
from .kling import BearerAuth, JwtAuth, KlingClient

__all__ = ["ProviderError", "TaskSnapshot", "get_provider", "build_provider"]


def build_provider(name, *, transport=None):
    timeout = settings.PROVIDER_TIMEOUT_S
    if name == "simulator":
        # The simulator accepts any bearer token unless SIMULATOR_API_KEY (or JWT keys) are configured on it.
        return KlingClient(
            name="simulator",
            base_url=settings.SIMULATOR_URL,
            auth=BearerAuth(settings.SIMULATOR_API_KEY or "studio-simulator"),
            timeout_s=timeout,
            transport=transport,
        )
    if name == "kling":
        return KlingClient(
            name="kling",
            base_url=settings.KLING_API_BASE,
            auth=JwtAuth(settings.KLING_ACCESS_KEY, settings.KLING_SECRET_KEY),
            timeout_s=timeout,
            transport=transport,
        )
    if name == "cometapi":
        return KlingClient(
            name="cometapi",
            base_url=settings.COMETAPI_BASE,
            auth=BearerAuth(settings.COMETAPI_KEY),
            path_prefix="/kling",
            timeout_s=timeout,
            transport=transport,
        )
    raise ProviderError("upstream_not_configured", f"Unknown PROVIDER {name!r}.", permanent=True, operator_alert=True)


_cache = {}


def get_provider():
    """The configured provider, one client per process (httpx clients pool connections)."""
    key = (settings.PROVIDER, settings.SIMULATOR_URL, settings.KLING_API_BASE, settings.COMETAPI_BASE)
    provider = _cache.get(key)
    if provider is None:
        provider = _cache[key] = build_provider(settings.PROVIDER)
    return provider
