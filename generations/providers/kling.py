"""The Kling contract client (shared/KLING_API.md). One class serves three upstreams:

- `kling`: the official API, authenticated by an HS256 JWT signed with the secret key;
- `cometapi`: the same routes under `/kling`, with the `sk-` key sent as a plain Bearer token;
- `simulator`: the studio's offline upstream, which speaks the same contract.

`KlingClient._call` is the single place where requests to the upstream are made.
"""

import base64
import functools
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass

import httpx

from .base import KNOWN_TASK_STATUSES, ProviderError, TaskSnapshot
from .errors import classify_error

# One TLS context per process for every client here: building one loads the CA bundle (~30 ms), and a
# generation made two clients (its calls and its download), each building its own.
tls_context = functools.cache(httpx.create_ssl_context)

USER_AGENT = "studio/0.1 (+kling-contract)"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(claims: dict, secret: str) -> str:
    """An HS256 JWT with the header Kling documents: {"alg": "HS256", "typ": "JWT"}."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


class JwtAuth:
    """Signs `{"iss": access_key, "exp": now+ttl, "nbf": now-5}`; re-signs when under a minute is left,
    because one render can outlive one token."""

    RESIGN_MARGIN_S = 60

    def __init__(self, access_key: str, secret_key: str, *, ttl_s: int = 1800, clock=time.time):
        if not access_key or not secret_key:
            raise ProviderError(
                "upstream_not_configured", "Kling access key and secret key must both be set.", permanent=True, operator_alert=True
            )
        self.access_key = access_key
        self.secret_key = secret_key
        self.ttl_s = ttl_s
        self.clock = clock
        self._token = None
        self._expires_at = 0
        self._lock = threading.Lock()

    def authorization(self) -> str:
        with self._lock:
            now = int(self.clock())
            if self._token is None or self._expires_at - now < self.RESIGN_MARGIN_S:
                self._expires_at = now + self.ttl_s
                self._token = encode_jwt({"iss": self.access_key, "exp": self._expires_at, "nbf": now - 5}, self.secret_key)
            return f"Bearer {self._token}"


class BearerAuth:
    def __init__(self, token: str):
        if not token:
            raise ProviderError("upstream_not_configured", "The upstream API key is not set.", permanent=True, operator_alert=True)
        self.token = token

    def authorization(self) -> str:
        return f"Bearer {self.token}"


def parse_task(data) -> TaskSnapshot:
    """A TaskSnapshot from a query/create `data` object, read defensively (sources disagree on shape)."""
    if not isinstance(data, dict):
        raise ProviderError("upstream_bad_response", "The task object is not a JSON object.", permanent=False)
    # An older CometAPI wrapper nests the Kling object one level deeper.
    if "task_id" not in data and isinstance(data.get("data"), dict):
        data = data["data"]
    task_id = str(data.get("task_id") or "")
    status = str(data.get("task_status") or data.get("status") or "").lower()
    if not task_id or status not in KNOWN_TASK_STATUSES:
        raise ProviderError(
            "upstream_bad_response", f"Unrecognised task (id={task_id!r}, status={status!r}).", permanent=False
        )
    result = data.get("task_result") if isinstance(data.get("task_result"), dict) else {}
    videos = result.get("videos") or []
    first = videos[0] if videos and isinstance(videos[0], dict) else {}
    duration = first.get("duration")
    try:
        duration_s = float(duration) if duration not in (None, "") else None
    except (TypeError, ValueError):
        duration_s = None
    images = [image for image in (result.get("images") or []) if isinstance(image, dict) and image.get("url")]
    images.sort(key=lambda image: image.get("index") if isinstance(image.get("index"), int) else 0)
    return TaskSnapshot(
        task_id=task_id,
        status=status,
        status_message=str(data.get("task_status_msg") or ""),
        external_task_id=str(((data.get("task_info") or {}).get("external_task_id")) or ""),
        video_url=str(first.get("url") or ""),
        video_id=str(first.get("id") or ""),
        video_duration_s=duration_s,
        image_urls=tuple(str(image["url"]) for image in images),
        **_audio_result(result),
        raw=data,
    )


def _audio_result(result: dict) -> dict:
    """A sound task's first audio (task_result.audios): its MP3 URL and duration, as TaskSnapshot fields."""
    audios = [audio for audio in (result.get("audios") or []) if isinstance(audio, dict) and audio.get("url_mp3")]
    if not audios:
        return {}
    try:
        seconds = float(audios[0].get("duration_mp3"))
    except (TypeError, ValueError):
        seconds = None
    return {"audio_url": str(audios[0]["url_mp3"]), "audio_duration_s": seconds}


# The upstream's element library ("custom elements"; learnt from third-party SDKs and gateways, not the official page).
ELEMENTS_ROUTE = "/v1/general/advanced-custom-elements"
PRESET_ELEMENTS_ROUTE = "/v1/general/advanced-presets-elements"
DELETE_ELEMENTS_ROUTE = "/v1/general/delete-elements"


@dataclass(frozen=True)
class ElementTask:
    """What the upstream says of one element-creation task: its status and, once it succeeded, the element's id."""

    task_id: str
    status: str
    status_message: str = ""
    element_id: str = ""

    @property
    def finished(self):
        return self.status in ("succeed", "failed")


def parse_element_task(data) -> ElementTask:
    """An ElementTask from a create/query `data` object (task_result.elements[0].element_id once it succeeded)."""
    if not isinstance(data, dict):
        raise ProviderError("upstream_bad_response", "The element task is not a JSON object.", permanent=False)
    task_id = str(data.get("task_id") or "")
    status = str(data.get("task_status") or "").lower()
    if not task_id or status not in KNOWN_TASK_STATUSES:
        raise ProviderError("upstream_bad_response", f"Unrecognised element task (id={task_id!r}, status={status!r}).", permanent=False)
    result = data.get("task_result") if isinstance(data.get("task_result"), dict) else {}
    elements = [element for element in (result.get("elements") or []) if isinstance(element, dict)]
    element_id = str(elements[0].get("element_id") or "") if elements else ""
    if status == "succeed" and not element_id:
        raise ProviderError("upstream_bad_response", "The element task succeeded without an element_id.", permanent=False)
    return ElementTask(task_id=task_id, status=status, status_message=str(data.get("task_status_msg") or ""), element_id=element_id)


class KlingClient:
    def __init__(self, *, name, base_url, auth, path_prefix="", timeout_s=30.0, transport=None):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.path_prefix = path_prefix.rstrip("/")
        self.timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        self._transport = transport
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            verify=tls_context(),
        )

    def close(self):
        self._client.close()

    # -- the contract -------------------------------------------------------------------------------

    @staticmethod
    def route(kind: str) -> str:
        """A kind's collection route: /v1/videos/<kind>, or /v1/images/<…> for an image kind (named by that route)."""
        return f"/v1/{kind}" if kind.startswith(("images/", "audio/")) else f"/v1/videos/{kind}"

    def create_task(self, kind: str, payload: dict) -> TaskSnapshot:
        data = self._call("POST", self.route(kind), json=payload)
        return parse_task(data)

    def get_task(self, kind: str, task_or_external_id: str) -> TaskSnapshot:
        data = self._call("GET", f"{self.route(kind)}/{task_or_external_id}")
        return parse_task(data)

    def list_tasks(self, kind: str, *, page: int = 1, page_size: int = 30) -> list[TaskSnapshot]:
        data = self._call("GET", self.route(kind), params={"pageNum": page, "pageSize": page_size})
        if not isinstance(data, list):
            raise ProviderError("upstream_bad_response", "The task list is not a JSON array.", permanent=False)
        return [parse_task(item) for item in data]

    def selection(self, action: str, payload: dict) -> dict:
        """A multi-elements selection call (init, add, delete, clear, preview): POST
        /v1/videos/multi-elements/{action}-selection; its `data`. A `status` other than 0 is the upstream's
        refusal of the clip or the points (its "rejection code"), a permanent 1201."""
        if action not in ("init", "add", "delete", "clear", "preview"):
            raise ValueError(f"unknown selection action {action!r}")
        data = self._call("POST", f"/v1/videos/multi-elements/{action}-selection", json=payload)
        if not isinstance(data, dict) or not data.get("session_id"):
            raise ProviderError("upstream_bad_response", f"{self.name} sent a selection answer without a session_id.", permanent=False)
        if data.get("status") not in (0, None):
            raise classify_error(None, 1201, f"{action}-selection was refused (status {data.get('status')})")
        return data

    def create_element(self, payload: dict) -> ElementTask:
        """POST /v1/general/advanced-custom-elements: an element-creation task (its `data`)."""
        return parse_element_task(self._call("POST", ELEMENTS_ROUTE, json=payload))

    def get_element(self, task_or_external_id: str) -> ElementTask:
        return parse_element_task(self._call("GET", f"{ELEMENTS_ROUTE}/{task_or_external_id}"))

    def list_elements(self, *, page: int = 1, page_size: int = 30, presets: bool = False) -> list:
        """The account's element tasks (or the upstream's preset elements) as the upstream lists them: raw objects."""
        data = self._call("GET", PRESET_ELEMENTS_ROUTE if presets else ELEMENTS_ROUTE, params={"pageNum": page, "pageSize": page_size})
        if not isinstance(data, list):
            raise ProviderError("upstream_bad_response", "The element list is not a JSON array.", permanent=False)
        return data

    def delete_element(self, element_id: str) -> None:
        self._call("POST", DELETE_ELEMENTS_ROUTE, json={"element_id": str(element_id)})

    def download(self, url: str, destination, *, max_bytes: int) -> int:
        """Stream a result file into `destination` (a binary file object); returns the byte count.

        Result URLs are public links on the upstream's own hosts: no credentials are sent with them.
        """
        written = 0
        try:
            with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), transport=self._transport, follow_redirects=True,
                              verify=tls_context()) as client:
                with client.stream("GET", url, headers={"User-Agent": USER_AGENT}) as response:
                    if response.status_code != 200:
                        raise classify_error(response.status_code, None, f"download answered {response.status_code}")
                    for chunk in response.iter_bytes(64 * 1024):
                        written += len(chunk)
                        if written > max_bytes:
                            raise ProviderError(
                                "output_too_large", f"The result is larger than {max_bytes} bytes.", permanent=True
                            )
                        destination.write(chunk)
        except httpx.TimeoutException as exc:
            raise ProviderError("upstream_timeout", f"Downloading the result timed out: {exc}", permanent=False) from exc
        except httpx.HTTPError as exc:
            raise ProviderError("upstream_unreachable", f"Downloading the result failed: {exc}", permanent=False) from exc
        return written

    # -- the choke point ----------------------------------------------------------------------------

    def _call(self, method, path, *, json=None, params=None):
        headers = {"Authorization": self.auth.authorization(), "Content-Type": "application/json"}
        try:
            response = self._client.request(method, self.path_prefix + path, json=json, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            raise ProviderError("upstream_timeout", f"{self.name} did not answer in time.", permanent=False) from exc
        except httpx.HTTPError as exc:
            raise ProviderError("upstream_unreachable", f"{self.name} is unreachable: {type(exc).__name__}.", permanent=False) from exc

        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.status_code == 200:
                raise ProviderError(
                    "upstream_bad_response", f"{self.name} sent a reply that is not JSON.", permanent=False, http_status=200
                )
            raise classify_error(response.status_code, None, "")
        code = body.get("code")
        if response.status_code != 200 or code not in (0, None):
            error = classify_error(response.status_code, code if isinstance(code, int) else None, str(body.get("message") or ""))
            retry_after = response.headers.get("Retry-After")
            if retry_after and retry_after.isdigit():
                error.retry_after_s = int(retry_after)
            raise error
        if "data" not in body:
            raise ProviderError("upstream_bad_response", f"{self.name} sent a reply without data.", permanent=False)
        return body["data"]
