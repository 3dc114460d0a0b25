"""The native JSON API, /api/v1/. Bearer API keys; every error in one shape:
`{"error": {"code", "message", "field"?, "stage"?, "categories"?, "request_id"}}`.
"""

from typing import Any

from django.conf import settings
from django.http import FileResponse
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from accounts.actions import authenticate_api_key
from accounts.audit import Actor, client_ip
from accounts.errors import AccountError
from accounts.models import ApiKeyScope
from accounts.ratelimit import RateLimited, check_api_key_rate

from .actions import do_cancel_generation, do_submit_generation
from .catalog import validate_generation_request
from .errors import GenerationError
from .images import load_image
from .models import AssetRole
from .presenters import generation_summary
from .selectors import deliverable_asset, generation_for_team, team_generations


class ApiKeyBearer(HttpBearer):
    def authenticate(self, request, token):
        key = authenticate_api_key(token, ip_address=client_ip(request))  # raises AccountError with a code
        check_api_key_rate(key)
        request.api_key = key
        return key


api = NinjaAPI(
    title="Studio API",
    version="1",
    description="Text-to-video and image-to-video generation with screening, scanning and review.",
    urls_namespace="api-v1",
    auth=ApiKeyBearer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


class ErrorBody(Schema):
    code: str
    message: str
    request_id: str
    field: str | None = None
    stage: str | None = None
    categories: list[str] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class CameraConfigIn(Schema):
    horizontal: float | None = None
    vertical: float | None = None
    pan: float | None = None
    tilt: float | None = None
    roll: float | None = None
    zoom: float | None = None


class CameraControlIn(Schema):
    type: str
    config: CameraConfigIn | None = None


class GenerationIn(Schema):
    kind: str = "text2video"
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    duration: str | int | None = "5"
    aspect_ratio: str | None = None
    mode: str | None = None
    cfg_scale: float | None = None
    camera_control: CameraControlIn | None = None
    image: str | None = Field(None, description="image→video start frame: base64 (a data: prefix is accepted) or an http(s) URL")
    image_tail: str | None = Field(None, description="image→video end frame: base64 or an http(s) URL")
    callback_url: str | None = Field(None, description="Receives generation.* events for this generation, signed per Standard Webhooks")
    external_task_id: str | None = Field(None, description="Your own id for this generation, unique within the team")


class GenerationErrorOut(Schema):
    code: str
    message: str


class VideoOut(Schema):
    duration_s: float | None
    width: int | None
    height: int | None
    size_bytes: int
    sha256: str


class GenerationOut(Schema):
    id: str
    external_task_id: str
    kind: str
    status: str
    stage: str
    progress: int
    prompt: str
    negative_prompt: str
    model: str
    mode: str
    duration: str
    aspect_ratio: str
    error: GenerationErrorOut | None
    created_at: str
    finished_at: str | None
    terminal: bool
    video_url: str | None
    poster_url: str | None
    video: VideoOut | None


class GenerationListOut(Schema):
    data: list[GenerationOut]
    next_cursor: str | None


def error_response(request, code, message, status, **extra):
    body = {"code": code, "message": message, "request_id": getattr(request, "request_id", "")}
    body.update({key: value for key, value in extra.items() if value})
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(GenerationError)
def _generation_error(request, exc):
    return error_response(
        request, exc.code, exc.message, exc.http_status, field=exc.field, stage=exc.stage, categories=exc.categories
    )


@api.exception_handler(AccountError)
def _account_error(request, exc):
    response = error_response(request, exc.code, exc.message, exc.http_status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after_s)
    return response


@api.exception_handler(AuthenticationError)
def _missing_key(request, exc):
    return error_response(request, "missing_api_key", "Send your API key as `Authorization: Bearer sk-…`.", 401)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc):
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "payload"))
    message = f"{location}: {first.get('msg', 'invalid value')}" if location else "The request body is not valid JSON for this operation."
    return error_response(request, "invalid_request", message, 422, field=location or None)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return error_response(request, "http_error", str(exc), exc.status_code)


def _require_scope(request, scope):
    if not request.auth.has_scope(scope):
        raise AccountError("insufficient_scope", f"This API key lacks the `{scope}` scope.", http_status=403)


def _generation_or_404(request, generation_id):
    generation = generation_for_team(request.auth.team, generation_id)
    if generation is None:
        raise GenerationError("not_found", "No such generation.", http_status=404)
    return generation


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
CREATE_ERRORS = {**ERRORS, 402: ErrorOut}


@api.post("/generations", response={202: GenerationOut, **CREATE_ERRORS}, summary="Create a generation")
def create_generation(request, payload: GenerationIn):
    _require_scope(request, ApiKeyScope.GENERATE)
    key = request.auth
    data = payload.dict(exclude_none=True)
    if "camera_control" in data and "config" in data["camera_control"]:
        data["camera_control"]["config"] = {k: v for k, v in data["camera_control"]["config"].items() if v is not None}
    for field in ("image", "image_tail"):
        if field in data:
            data[field] = load_image(data[field], field=field)
    validated = validate_generation_request(data, default_model=settings.DEFAULT_MODEL)
    generation = do_submit_generation(
        team=key.team, user=key.created_by, api_key=key, request=validated, http_request=request
    )
    return Status(202, generation_summary(generation))


@api.get("/generations", response={200: GenerationListOut, **ERRORS}, summary="List the team's generations")
def list_generations(request, limit: int = 20, cursor: str | None = None, status: str | None = None):
    _require_scope(request, ApiKeyScope.READ)
    limit = max(1, min(limit, 100))
    queryset = team_generations(request.auth.team)
    if status:
        queryset = queryset.filter(status=status)
    if cursor:
        if not cursor.isdigit():
            raise GenerationError("invalid_cursor", "cursor must be a value returned as next_cursor.", field="cursor")
        queryset = queryset.filter(id__lt=int(cursor))
    rows = list(queryset.order_by("-id")[: limit + 1])
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return Status(200, {"data": [generation_summary(g) for g in rows[:limit]], "next_cursor": next_cursor})


@api.get("/generations/{generation_id}", response={200: GenerationOut, **ERRORS}, summary="Get one generation")
def get_generation(request, generation_id: str):
    _require_scope(request, ApiKeyScope.READ)
    return Status(200, generation_summary(_generation_or_404(request, generation_id)))


@api.post("/generations/{generation_id}/cancel", response={200: GenerationOut, **ERRORS}, summary="Cancel a running generation")
def cancel_generation(request, generation_id: str):
    _require_scope(request, ApiKeyScope.GENERATE)
    generation = _generation_or_404(request, generation_id)
    do_cancel_generation(generation, actor=Actor(user=request.auth.created_by, api_key=request.auth))
    return Status(200, generation_summary(generation))


def _asset_download(request, generation_id, role, filename):
    _require_scope(request, ApiKeyScope.READ)
    generation = _generation_or_404(request, generation_id)
    asset = deliverable_asset(generation, role) if generation.status == "succeeded" else None
    if asset is None:
        raise GenerationError("not_ready", "This generation has no deliverable file (yet).", http_status=404)
    return FileResponse(asset.file.open("rb"), content_type=asset.content_type, as_attachment=True, filename=filename)


@api.get("/generations/{generation_id}/video", response={200: Any, **ERRORS}, summary="Download the video (MP4)")
def download_video(request, generation_id: str):
    return _asset_download(request, generation_id, AssetRole.VIDEO, f"{generation_id}.mp4")


@api.get("/generations/{generation_id}/poster", response={200: Any, **ERRORS}, summary="Download the poster frame (JPEG)")
def download_poster(request, generation_id: str):
    return _asset_download(request, generation_id, AssetRole.POSTER, f"{generation_id}.jpg")
