"""Optional remote screening engines, behind the same `detect(ctx) -> DetectorResult` interface as the local
detectors. Off by default: nothing here runs unless SCREENING_REMOTE_ENGINES names an engine.

- OpenAI moderation: POST {"model", "input"} to /v1/moderations; reads results[0].category_scores.
- Azure AI Content Safety: POST {"text", "categories", "outputType"} to
  {endpoint}/contentsafety/text:analyze?api-version=...; reads categoriesAnalysis[].severity.

A failure (timeout, transport error, HTTP error, unreadable answer) raises RemoteEngineError; the caller
applies SCREENING_REMOTE_FAILURE_MODE: "open" (default) ignores the engine, "closed" holds the prompt for
review. Either way the failure is recorded in the decision.

Settings: SCREENING_REMOTE_ENGINES (e.g. ["openai", "azure"]), SCREENING_REMOTE_FAILURE_MODE,
SCREENING_REMOTE_TIMEOUT_S, OPENAI_API_KEY, SCREENING_OPENAI_MODEL, SCREENING_OPENAI_URL,
AZURE_CONTENT_SAFETY_ENDPOINT, AZURE_CONTENT_SAFETY_KEY, AZURE_CONTENT_SAFETY_API_VERSION.
"""

import httpx
from django.conf import settings

from generations.moderation.text.detectors import DetectorResult

FAIL_OPEN = "open"
FAIL_CLOSED = "closed"


class RemoteEngineError(Exception):
    def __init__(self, message, *, code="remote_error", permanent=False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.permanent = permanent


def failure_mode():
    mode = str(settings.SCREENING_REMOTE_FAILURE_MODE).lower()
    return FAIL_CLOSED if mode in {"closed", "fail-closed", "fail_closed"} else FAIL_OPEN


class RemoteEngine:
    name = "remote"
    version = "1"

    def __init__(self, *, timeout=2.0, transport=None):
        self.timeout = timeout
        self.transport = transport

    def _post(self, url, *, json, headers, params=None):
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(url, json=json, headers=headers, params=params)
        except httpx.TimeoutException as exc:
            raise RemoteEngineError(f"{self.name} timed out", code="timeout") from exc
        except httpx.HTTPError as exc:
            raise RemoteEngineError(f"{self.name} unreachable: {type(exc).__name__}", code="unreachable") from exc
        if response.status_code >= 400:
            raise RemoteEngineError(
                f"{self.name} answered HTTP {response.status_code}",
                code=f"http_{response.status_code}",
                permanent=400 <= response.status_code < 500 and response.status_code != 429,
            )
        try:
            return response.json()
        except ValueError as exc:
            raise RemoteEngineError(f"{self.name} answered with invalid JSON", code="bad_response") from exc

    def detect(self, ctx):  # pragma: no cover - interface
        raise NotImplementedError


class OpenAIModeration(RemoteEngine):
    name = "openai-moderation"

    def __init__(self, api_key, *, model="omni-moderation-latest", url="https://api.openai.com/v1/moderations",
                 **kwargs):
        super().__init__(**kwargs)
        self.api_key = api_key
        self.model = model
        self.url = url
        self.version = model

    def detect(self, ctx):
        data = self._post(
            self.url,
            json={"model": self.model, "input": ctx.prompt},
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        try:
            result = data["results"][0]
            raw = {str(k): float(v) for k, v in result["category_scores"].items()}
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise RemoteEngineError(f"{self.name} answered without category_scores", code="bad_response") from exc
        scores = {
            "sexual": raw.get("sexual", 0.0),
            "sexual_minors": raw.get("sexual/minors", 0.0),
            # Our violence category is graphic violence; plain "violence" counts at a discount.
            "violence": max(raw.get("violence/graphic", 0.0), 0.7 * raw.get("violence", 0.0)),
            "self_harm": max(raw.get("self-harm", 0.0), raw.get("self-harm/intent", 0.0),
                             raw.get("self-harm/instructions", 0.0)),
            "illegal": max(raw.get("illicit/violent", 0.0), 0.8 * raw.get("illicit", 0.0)),
        }
        flagged = sorted(k for k, v in (result.get("categories") or {}).items() if v)
        reasons = (f"{self.name} flagged: {', '.join(flagged)}",) if flagged else ()
        return DetectorResult(self.name, self.version, {k: v for k, v in scores.items() if v > 0}, (), reasons)


class AzureContentSafety(RemoteEngine):
    name = "azure-content-safety"
    CATEGORY_MAP = {"Sexual": "sexual", "Violence": "violence", "SelfHarm": "self_harm"}

    def __init__(self, endpoint, key, *, api_version="2023-10-01", output_type="FourSeverityLevels", **kwargs):
        super().__init__(**kwargs)
        self.endpoint = endpoint.rstrip("/")
        self.key = key
        self.api_version = api_version
        self.output_type = output_type
        self.version = api_version

    def detect(self, ctx):
        data = self._post(
            f"{self.endpoint}/contentsafety/text:analyze",
            params={"api-version": self.api_version},
            json={
                "text": ctx.prompt[:10000],
                "categories": ["Hate", "SelfHarm", "Sexual", "Violence"],
                "outputType": self.output_type,
            },
            headers={"Ocp-Apim-Subscription-Key": self.key},
        )
        top = 7.0 if self.output_type == "EightSeverityLevels" else 6.0
        try:
            analysis = data["categoriesAnalysis"]
            scores = {}
            for item in analysis:
                category = self.CATEGORY_MAP.get(item["category"])
                if category:
                    scores[category] = max(scores.get(category, 0.0), min(1.0, float(item.get("severity") or 0) / top))
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteEngineError(f"{self.name} answered without categoriesAnalysis", code="bad_response") from exc
        blocklists = [m.get("blocklistName") for m in data.get("blocklistsMatch") or [] if isinstance(m, dict)]
        reasons = (f"{self.name} blocklist match: {', '.join(map(str, blocklists))}",) if blocklists else ()
        return DetectorResult(self.name, self.version, {k: v for k, v in scores.items() if v > 0}, (), reasons)


_CACHE = {}


def configured_engines():
    """The remote engines named in SCREENING_REMOTE_ENGINES (none by default), built once per configuration."""
    names = settings.SCREENING_REMOTE_ENGINES
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        return ()
    timeout = float(settings.SCREENING_REMOTE_TIMEOUT_S)
    config = (
        tuple(names), timeout,
        settings.OPENAI_API_KEY, settings.SCREENING_OPENAI_MODEL, settings.SCREENING_OPENAI_URL,
        settings.AZURE_CONTENT_SAFETY_ENDPOINT, settings.AZURE_CONTENT_SAFETY_KEY,
        settings.AZURE_CONTENT_SAFETY_API_VERSION,
    )
    if config not in _CACHE:
        engines = []
        for name in names:
            if name == "openai":
                engines.append(OpenAIModeration(config[2], model=config[3], url=config[4], timeout=timeout))
            elif name == "azure":
                engines.append(AzureContentSafety(config[5], config[6], api_version=config[7], timeout=timeout))
            else:
                raise ValueError(f"Unknown remote screening engine {name!r}; known: openai, azure")
        _CACHE.clear()
        _CACHE[config] = tuple(engines)
    return _CACHE[config]
