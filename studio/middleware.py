import re
import uuid

from studio.logs import current_request_id

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (the caller's X-Request-Id when well-formed) and echoes it back.

    The id ties an API error, a log line and an audit event together.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-Id"] = request.request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Every page may load only the studio's own scripts, styles, images and media: no external assets."""

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Style attributes set progress-bar widths; no external stylesheets are allowed.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class UnreadBodyMiddleware:
    """Keeps a keep-alive connection usable after a request is refused before its body was read.

    A 401, 404 or 429 answered without reading a large POST body leaves that body on the socket; gunicorn
    then drains at most 64 KiB after the response, gives up and closes a connection it had announced as
    keep-alive, so the client's next request on it fails (EPIPE / ECONNRESET). Here the rest of the body is
    read and discarded before the response goes out, up to DRAIN_LIMIT_BYTES (2 MiB: no worker thread is tied
    up by a slow client's large refused upload). A larger one is not read; the response says `Connection:
    close` (servers
    that pass the header on, such as Django's, then close honestly; gunicorn strips the header and closes
    after its own bounded drain).
    """

    CHUNK = 64 * 1024
    # Enough for any JSON request and a typical upload; a larger refused body closes the connection instead.
    DRAIN_LIMIT_BYTES = 2 * 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_read_started", True) or getattr(request, "_stream", None) is None:
            return response
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= 0:
            return response
        if declared > self.DRAIN_LIMIT_BYTES:  # a worker thread is not tied up reading a large refused body
            response["Connection"] = "close"
            return response
        try:
            while request._stream.read(self.CHUNK):
                pass
        except OSError:  # the client went away mid-body: nothing left to keep alive
            response["Connection"] = "close"
        return response
