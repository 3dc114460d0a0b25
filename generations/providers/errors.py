"""The Kling error table (shared/KLING_API.md §5) mapped to what the studio does about each row.

One pure function, tested row by row.
"""

from .base import ProviderError

# upstream business code -> (studio code, permanent, operator_alert, content_policy)
_BY_CODE = {
    1000: ("upstream_auth_failed", True, True, False),
    1001: ("upstream_auth_failed", True, True, False),
    1002: ("upstream_auth_failed", True, True, False),
    1003: ("upstream_auth_failed", True, True, False),
    1004: ("upstream_auth_failed", True, True, False),
    1100: ("upstream_account_problem", True, True, False),
    1101: ("upstream_insufficient_balance", True, True, False),
    1102: ("upstream_insufficient_balance", True, True, False),
    1103: ("upstream_model_not_allowed", True, True, False),
    1200: ("upstream_invalid_request", True, False, False),
    1201: ("upstream_invalid_request", True, False, False),
    1202: ("upstream_invalid_request", True, False, False),
    1203: ("upstream_model_not_allowed", True, False, False),
    1300: ("upstream_content_policy", True, False, True),
    1301: ("upstream_content_policy", True, False, True),
    1302: ("upstream_rate_limited", False, False, False),
    1303: ("upstream_concurrency_limit", False, False, False),
    1304: ("upstream_ip_not_allowed", True, True, False),
    5000: ("upstream_server_error", False, False, False),
    5001: ("upstream_unavailable", False, False, False),
    5002: ("upstream_timeout", False, False, False),
}

# What a user reads when an upstream problem ends their generation.
USER_MESSAGES = {
    "upstream_auth_failed": "The video service rejected the studio's credentials. An operator has been alerted.",
    "upstream_account_problem": "The studio's account with the video service has a problem. An operator has been alerted.",
    "upstream_insufficient_balance": "The studio's video service balance is used up. An operator has been alerted.",
    "upstream_model_not_allowed": "The chosen model is not available to this studio.",
    "upstream_invalid_request": "The video service refused the request's parameters.",
    "upstream_content_policy": "The video service refused this request under its content-safety policy.",
    "upstream_rate_limited": "The video service is busy; the studio kept retrying and gave up.",
    "upstream_concurrency_limit": "The video service's concurrency limit was reached; the studio kept retrying and gave up.",
    "upstream_ip_not_allowed": "The video service refused the studio's address. An operator has been alerted.",
    "upstream_server_error": "The video service had an internal error; the studio retried and gave up.",
    "upstream_unavailable": "The video service is down for maintenance; the studio retried and gave up.",
    "upstream_timeout": "The video service timed out; the studio retried and gave up.",
    "upstream_unreachable": "The studio could not reach the video service; it retried and gave up.",
    "upstream_bad_response": "The video service sent a reply the studio could not read; it retried and gave up.",
}

# Phrases with which a task that *failed* upstream reports a content-safety refusal.
RISK_CONTROL_MARKERS = ("risk control", "content security", "content safety", "risk_control", "sensitive")


def classify_error(http_status: int | None, upstream_code: int | None, message: str = "") -> ProviderError:
    """The ProviderError for an upstream reply that is not a success."""
    message = (message or "").strip()[:300]
    row = _BY_CODE.get(upstream_code) if upstream_code is not None else None
    if row is not None:
        code, permanent, alert, content_policy = row
    elif http_status == 429:
        code, permanent, alert, content_policy = "upstream_rate_limited", False, False, False
    elif http_status in (401, 403):
        code, permanent, alert, content_policy = "upstream_auth_failed", True, True, False
    elif http_status is not None and http_status >= 500:
        code, permanent, alert, content_policy = "upstream_server_error", False, False, False
    elif http_status is not None and 400 <= http_status < 500:
        code, permanent, alert, content_policy = "upstream_invalid_request", True, False, False
    else:
        code, permanent, alert, content_policy = "upstream_bad_response", False, False, False
    detail = f" ({upstream_code}: {message})" if upstream_code is not None and message else ""
    return ProviderError(
        code,
        USER_MESSAGES[code] + detail if code == "upstream_invalid_request" else USER_MESSAGES[code],
        permanent=permanent,
        upstream_code=upstream_code,
        http_status=http_status,
        content_policy=content_policy,
        operator_alert=alert,
    )


def is_risk_control_failure(status_message: str) -> bool:
    """Whether a `failed` task's task_status_msg is the upstream's content-safety refusal."""
    text = (status_message or "").lower()
    return any(marker in text for marker in RISK_CONTROL_MARKERS)
