"""The native JSON API, /api/v1/. Bearer API keys; every error in one shape:
`{"error": {"code", "message", "field"?, "stage"?, "categories"?, "request_id"}}`.
"""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import FileResponse, HttpResponseRedirect
from django.utils import timezone
from ninja import Field, File, Form, NinjaAPI, Schema, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from accounts.actions import authenticate_api_key
from accounts.audit import Actor, client_ip
from accounts.errors import AccountError
from accounts.models import ApiKeyScope, Membership
from accounts.ratelimit import RateLimited, check_api_key_rate, check_media_check_rate
from accounts.standing import current_standing
from accounts.usage import team_usage
from generations import selectors
from generations.actions import elements as element_actions
from generations.actions import roles
from generations.actions.generation import do_cancel_generation, do_submit_generation
from generations.actions.provenance import CheckRefused, check_upload, check_url
from generations.catalog import KINDS, validate_element_request, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.images import load_image
from generations.inputs.loading import load_element_inputs, load_media_inputs, parse_json_body
from generations.models import OUTPUT_IMAGE_ROLES, AssetRole, IdempotencyRecord, ReviewItem
from generations.presenters import element_summary, generation_summary
from generations.selectors import deliverable_asset, generation_for_team, team_generations
from generations.states import Stage
from generations.states import Status as GenerationStatus  # ninja's Status is the response helper
from generations.storage import presigned_url


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
    suggestion: str | None = None


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


class ShotIn(Schema):
    index: int
    prompt: str = Field(description="This shot's prompt (≤ 512 characters)")
    duration: str | int


class OmniImageIn(Schema):
    image: str = Field(description="base64 (a data: prefix is accepted) or an http(s) URL")
    type: str | None = Field(None, description="first_frame or end_frame; absent: a reference the prompt names as <<<image_N>>>")


class OmniVideoIn(Schema):
    video_id: str = Field(description="The id of a succeeded generation of your team (a 3–10 s clip)")
    refer_type: str | None = Field(None, description="base (the clip to edit; the result keeps its length, the default) or feature")
    keep_original_sound: str | None = Field(None, description="yes or no (default)")


class OmniElementIn(Schema):
    element_id: int | str


class SelectionPointIn(Schema):
    x: float = Field(description="0 (left) to 1 (right)")
    y: float = Field(description="0 (top) to 1 (bottom)")


class SelectionFrameIn(Schema):
    frame_index: int = Field(description="The frame the points are on, from 0")
    points: list[SelectionPointIn] = Field(description="1–10 points on the element to edit")


class GenerationIn(Schema):
    kind: str = "text2video"
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    duration: str | int | float | None = Field(
        None, description="Seconds, as a string; 5 when absent (omni-video editing a clip: its length); "
                          "audio/text-to-audio: a number, 3.0–10.0 to one decimal")
    aspect_ratio: str | None = None
    mode: str | None = None
    cfg_scale: float | None = None
    camera_control: CameraControlIn | None = None
    image: str | None = Field(None, description="image→video start frame: base64 (a data: prefix is accepted) or an http(s) URL")
    image_tail: str | None = Field(None, description="image→video end frame: base64 or an http(s) URL")
    images: list[str] | None = Field(
        None, description="multi-image2video: 1–4 reference images; images/multi-image2image: 1–4 subject images; effects: one "
                          "image, or two for hug/kiss/heart_gesture; multi-elements: its image_list"
    )
    parent_id: str | None = Field(
        None, description="video-extend, lip-sync, motion-control (the motion clip) and multi-elements (the clip to edit): the id "
                          "of a succeeded generation of your team"
    )
    remix_of: str | None = Field(None, description="text2video/image2video: the generation this one remixes (recorded)")
    effect_scene: str | None = Field(None, description="effects: bloombloom, dizzydizzy, fuzzyfuzzy, squish, expansion, hug, kiss, heart_gesture")
    text: str | None = Field(None, description="lip-sync: the words to speak (≤ 120 characters)")
    voice_id: str | None = Field(None, description="lip-sync with text: the voice")
    voice_language: str | None = Field(None, description="lip-sync with text: en or zh")
    voice_speed: float | None = Field(None, description="lip-sync with text: 0.8–2.0")
    audio: str | None = Field(None, description="lip-sync: base64 mp3/wav/m4a/aac (≤ 5 MB) instead of text")
    consent_id: str | None = Field(None, description="A consent record of your team for the person whose face an input shows")
    callback_url: str | None = Field(None, description="Receives generation.* events for this generation, signed per Standard Webhooks")
    external_task_id: str | None = Field(None, description="Your own id for this generation, unique within the team")
    watermark: bool | None = Field(
        None, description="true: a visible “AI-generated” mark on this clip even when the team's setting is off"
    )
    sound: str | bool | None = Field(
        None, description="text2video/image2video: on makes a clip with native audio (kling-v2-6 in pro mode, kling-v3)"
    )
    multi_shot: bool | None = Field(None, description="kling-v3: a clip of several shots")
    shot_type: str | None = Field(
        None, description="with multi_shot: customize (you write each shot in multi_prompt) or intelligence (the model cuts)"
    )
    multi_prompt: list[ShotIn] | None = Field(
        None, description="with shot_type customize: at most 6 shots, their durations summing to duration"
    )
    character_orientation: str | None = Field(
        None, description="motion-control (required): image (the character faces as in the image; a 3–10 s clip) or video (3–30 s)"
    )
    keep_original_sound: str | None = Field(None, description="motion-control: yes (default) or no, the motion clip's sound")
    edit_mode: str | None = Field(
        None, description="multi-elements (required): addition (1–2 images), swap (exactly 1 image) or removal (none) of an "
                          "element of the clip parent_id names (a 2–5 s or 7–10 s clip of your team, edited into 5 or 10 s)"
    )
    selection: list[SelectionFrameIn] | None = Field(
        None, description="multi-elements: the element to edit, marked by points on at most 10 frames (10 points a frame); "
                          "required to swap or remove"
    )
    image_list: list[OmniImageIn] | None = Field(
        None, description="omni-video: up to 7 images (4 with a video); images/omni-image: up to 7; named in the prompt as "
                          "<<<image_1>>>, <<<image_2>>>, …"
    )
    video_list: list[OmniVideoIn] | None = Field(None, description="omni-video: at most one clip, named as <<<video_1>>>")
    element_list: list[OmniElementIn] | None = Field(
        None, description="omni-video and images/omni-image: <<<element_N>>> subjects, elements of your team's library "
                          "(POST /elements); images and elements at most 7 together (4 with a video)"
    )
    n: int | None = Field(None, description="images/generations: how many images, 1–9 (default 1); priced per image")
    image_reference: str | None = Field(
        None, description="images/generations with a reference image on kling-v1-5 (required there): subject or face"
    )
    image_fidelity: float | None = Field(None, description="images/generations with a reference image: 0–1 (default 0.5)")
    human_fidelity: float | None = Field(None, description="images/generations with image_reference subject: 0–1 (default 0.45)")
    resolution: str | None = Field(None, description="images/generations and images/omni-image: 1k (the only one this studio makes)")
    up_expansion_ratio: float | None = Field(None, description="images/editing/expand: 0–2 times the image's height added above")
    down_expansion_ratio: float | None = Field(None, description="images/editing/expand: 0–2 times its height added below")
    left_expansion_ratio: float | None = Field(None, description="images/editing/expand: 0–2 times its width added on the left")
    right_expansion_ratio: float | None = Field(
        None, description="images/editing/expand: 0–2 times its width added on the right (the result at most 3× the area)"
    )
    scene_image: str | None = Field(None, description="images/multi-image2image: the scene to put the subjects (images) in")
    style_image: str | None = Field(None, description="images/multi-image2image: the style to render them in")
    sound_effect_prompt: str | None = Field(
        None, description="audio/video-to-audio: the sound effects to make for the clip (≤ 200 characters, screened)")
    bgm_prompt: str | None = Field(None, description="audio/video-to-audio: the background music (≤ 200 characters, screened)")
    asmr_mode: bool | None = Field(None, description="audio/video-to-audio: closer, more detailed sound effects (default false)")


class GenerationErrorOut(Schema):
    code: str
    message: str


class VideoOut(Schema):
    duration_s: float | None
    width: int | None
    height: int | None
    size_bytes: int
    sha256: str


class ImageOut(Schema):
    index: int
    url: str
    width: int | None
    height: int | None
    size_bytes: int
    sha256: str


class AudioOut(Schema):
    url: str
    content_type: str
    duration_s: float | None
    size_bytes: int
    sha256: str


class ProvenanceOut(Schema):
    credentials: bool = Field(description="C2PA content credentials signed by this install (clip and poster)")
    watermark: bool = Field(description="This install's invisible watermark is in the frames")
    label: bool = Field(description="A visible “AI-generated” mark in the corner")
    edited_from_parent: bool = Field(description="The credentials record an edit of the parent clip or input image")


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
    elapsed_s: int
    eta_s: int | None = Field(None, description="A rough estimate of the seconds left; null when finished or waiting for a moderator")
    finished_at: str | None
    terminal: bool
    video_url: str | None
    poster_url: str | None
    video: VideoOut | None
    images: list[ImageOut] | None = Field(None, description="An image kind's delivered images (PNG), in index order")
    audio: AudioOut | None = Field(None, description="audio/*: the delivered sound (MP3, signed with content credentials)")
    parent_id: str | None
    options: dict[str, Any]
    provenance: ProvenanceOut | None = Field(None, description="How the delivered clip is marked; null until it succeeds")
    media_deleted_at: str | None = Field(
        None, description="When the studio deleted media of this generation under its retention policy (null: kept)")


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
        request, exc.code, exc.message, exc.http_status, field=exc.field, stage=exc.stage, categories=exc.categories,
        suggestion=getattr(exc, "suggestion", None),
    )


def blocked_at_submit_response(request, generation):
    """A prompt blocked by screening answers 422 `policy_violation`: the category, never the words, and a
    hint. A response, not an exception, so the blocked row (and its strike) is kept and an idempotent
    retry gets the same answer."""
    if generation.status != GenerationStatus.BLOCKED or generation.stage not in (Stage.PROMPT, Stage.INPUT):
        return None
    result = generation.screening_result or {}
    if generation.error_code == "hash_match":  # a banked image: the bank's harm, and no rephrasing helps
        categories = [result["hash_match"]["category"]] if result.get("hash_match") else []
    elif generation.error_code == "apparent_minor":  # a face that looks under age, with an intimate or sexual request
        categories = ["sexual_minors"]
    elif generation.stage == "input":
        categories = sorted((result.get("input_scan") or {}).get("categories") or {})
    else:
        categories = sorted(name for name, score in (result.get("categories") or {}).items() if score >= 0.5) or (
            [result["top_category"]] if result.get("top_category") else []
        )
    body = {
        "code": "policy_violation",
        "message": generation.error_message,
        "stage": generation.stage,
        "categories": categories,
        "suggestion": result.get("suggestion") or (
            "This image matches content this studio has banned; it cannot be used."
            if generation.error_code == "hash_match" else "Rephrase the prompt without the content the policy forbids."
        ),
        "request_id": getattr(request, "request_id", ""),
    }
    return Status(422, {"error": body})


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


def _as_utc(moment, field):
    """A filter time in UTC (any offset the client sent, applied), or a 400 if it cannot be one."""
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        raise GenerationError("invalid_datetime", f"{field} is not a representable date-time.", field=field) from None


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


IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)


@api.post(
    "/generations",
    response={202: GenerationOut, **CREATE_ERRORS},
    summary="Create a generation",
    description=(
        "Send an `Idempotency-Key` header to make retries safe: the same key with the same body within 24 h "
        "returns the first response; the same key with another body is a 409 `idempotency_key_reused`."
    ),
)
def create_generation(request, payload: GenerationIn):
    _require_scope(request, ApiKeyScope.GENERATE)
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is None:
        return _create_generation(request, payload)
    if not 1 <= len(idempotency_key) <= 200:
        raise GenerationError("invalid_idempotency_key", "Idempotency-Key must be 1 to 200 characters.")
    team = request.auth.team
    body_hash = hashlib.sha256(request.body).hexdigest()
    IdempotencyRecord.objects.filter(team=team, key=idempotency_key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW).delete()
    earlier = IdempotencyRecord.objects.filter(team=team, key=idempotency_key).first()
    if earlier is None:
        try:
            with transaction.atomic():
                response = _create_generation(request, payload)
                IdempotencyRecord.objects.create(
                    team=team, key=idempotency_key, request_hash=body_hash,
                    status_code=response.status_code, response_body=response.value,
                )
                return response
        except IntegrityError:
            # A concurrent request with the same key won the race: answer as it did.
            earlier = IdempotencyRecord.objects.filter(team=team, key=idempotency_key).first()
    if earlier is None or earlier.request_hash != body_hash:
        raise GenerationError(
            "idempotency_key_reused", "This Idempotency-Key was used with a different request body.", http_status=409
        )
    return Status(earlier.status_code, earlier.response_body)


def _create_generation(request, payload):
    key = request.auth
    data = payload.dict(exclude_none=True)
    if "camera_control" in data and "config" in data["camera_control"]:
        data["camera_control"]["config"] = {k: v for k, v in data["camera_control"]["config"].items() if v is not None}
    validated = validate_generation_request(load_media_inputs(data), default_model=settings.DEFAULT_MODEL)
    generation = do_submit_generation(
        team=key.team, user=key.created_by, api_key=key, request=validated, http_request=request
    )
    return blocked_at_submit_response(request, generation) or Status(202, generation_summary(generation))


class UploadIn(Schema):
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    duration: str | None = "5"
    mode: str | None = None
    callback_url: str | None = None
    external_task_id: str | None = None


@api.post(
    "/generations/upload",
    response={202: GenerationOut, **CREATE_ERRORS},
    summary="Create an image→video generation from uploaded files (multipart/form-data)",
)
def create_generation_upload(
    request, form: Form[UploadIn], image: File[UploadedFile], image_tail: File[UploadedFile | None] = None
):
    _require_scope(request, ApiKeyScope.GENERATE)
    key = request.auth
    data = {"kind": "image2video", **form.dict(exclude_none=True), "image": load_image(image, field="image")}
    if image_tail is not None:
        data["image_tail"] = load_image(image_tail, field="image_tail")
    validated = validate_generation_request(data, default_model=settings.DEFAULT_MODEL)
    generation = do_submit_generation(team=key.team, user=key.created_by, api_key=key, request=validated, http_request=request)
    return blocked_at_submit_response(request, generation) or Status(202, generation_summary(generation))


@api.get("/generations/upload", response={404: ErrorOut}, include_in_schema=False)
def upload_is_not_a_generation(request):
    """GET /generations/upload reads as "the generation with id upload": there is none (not a 405 because the
    same path takes uploads by POST)."""
    raise GenerationError("not_found", "No such generation.", http_status=404)


@api.get("/generations", response={200: GenerationListOut, **ERRORS}, summary="List the team's generations")
def list_generations(
    request,
    limit: int = 20,
    cursor: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    member: str | None = None,
    created_after: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
):
    """Newest first. Filter by status, kind, member (email) and creation time; page with `next_cursor`."""
    _require_scope(request, ApiKeyScope.READ)
    limit = max(1, min(limit, 100))
    queryset = team_generations(request.auth.team)
    if status:
        if status not in GenerationStatus.values:
            raise GenerationError("invalid_status", f"status must be one of: {', '.join(GenerationStatus.values)}.", field="status")
        queryset = queryset.filter(status=status)
    if kind:
        if kind not in KINDS:
            raise GenerationError("invalid_kind", f"kind must be one of: {', '.join(KINDS)}.", field="kind")
        queryset = queryset.filter(kind=kind)
    if member:
        queryset = queryset.filter(created_by__email__iexact=member)
    if created_after:
        queryset = queryset.filter(created_at__gte=_as_utc(created_after, "created_after"))
    if created_before:
        queryset = queryset.filter(created_at__lt=_as_utc(created_before, "created_before"))
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


@api.post(
    "/generations/{generation_id}/cancel", response={200: GenerationOut, **ERRORS},
    summary="Cancel a running generation, or withdraw one held for review",
)
def cancel_generation(request, generation_id: str):
    """Ends the generation as `canceled` and releases its credits. A held one is withdrawn: it leaves the
    moderators' queue (an urgent one is still decided by a moderator)."""
    _require_scope(request, ApiKeyScope.GENERATE)
    generation = _generation_or_404(request, generation_id)
    do_cancel_generation(generation, actor=Actor(user=request.auth.created_by, api_key=request.auth))
    return Status(200, generation_summary(generation))


def _asset_download(request, generation_id, role, filename):
    _require_scope(request, ApiKeyScope.READ)
    generation = _generation_or_404(request, generation_id)
    asset = deliverable_asset(generation, role) if generation.status == GenerationStatus.SUCCEEDED else None
    if asset is None:
        raise GenerationError("not_ready", "This generation has no deliverable file (yet).", http_status=404)
    link = presigned_url(asset.file, download_name=filename)
    if link:
        response = HttpResponseRedirect(link)
        response["Cache-Control"] = "private, no-store"  # the link expires: never cache the redirect
        return response
    return FileResponse(asset.file.open("rb"), content_type=asset.content_type, as_attachment=True, filename=filename)


@api.get("/generations/{generation_id}/video", response={200: Any, 302: None, **ERRORS}, summary="Download the video (MP4)")
def download_video(request, generation_id: str):
    return _asset_download(request, generation_id, AssetRole.VIDEO, f"{generation_id}.mp4")


@api.get("/generations/{generation_id}/poster", response={200: Any, 302: None, **ERRORS}, summary="Download the poster frame (JPEG)")
def download_poster(request, generation_id: str):
    return _asset_download(request, generation_id, AssetRole.POSTER, f"{generation_id}.jpg")


@api.get("/generations/{generation_id}/images/{index}", response={200: Any, 302: None, **ERRORS},
         summary="Download one image of an image generation (PNG)")
def download_image(request, generation_id: str, index: int):
    if not 0 <= index < len(OUTPUT_IMAGE_ROLES):
        raise GenerationError("not_ready", "This generation has no such image.", http_status=404)
    return _asset_download(request, generation_id, OUTPUT_IMAGE_ROLES[index], f"{generation_id}-{index}.png")


@api.get("/generations/{generation_id}/audio", response={200: Any, 302: None, **ERRORS},
         summary="Download the sound of an audio generation (MP3)")
def download_audio(request, generation_id: str):
    return _asset_download(request, generation_id, AssetRole.AUDIO, f"{generation_id}.mp3")


# --- the element library ---------------------------------------------------------------------------------------


class ElementIn(Schema):
    name: str = Field(description="At most 20 characters (screened with the description)")
    description: str = Field(description="At most 100 characters")
    reference_type: str | None = Field(None, description="image_refer (default: frontal_image + 1–3 refer_images) or video_refer (clip_id)")
    frontal_image: str | None = Field(None, description="image_refer: the subject seen from the front; base64 or an http(s) URL")
    refer_images: list[str] | None = Field(None, description="image_refer: 1–3 more images of the subject")
    clip_id: str | None = Field(None, description="video_refer: the id of a succeeded generation of your team")
    tags: list[str] | None = Field(None, description="o_101 … o_108 (hot meme, person, animal, prop, clothing, scene, effect, other)")
    voice_id: str | None = Field(None, description="Not supported (this studio keeps no voice library): refused when given")
    consent_id: str | None = Field(None, description="A consent record of your team for the person the images show")
    external_task_id: str | None = Field(None, description="Your own id for it, unique within the team")


class ElementOut(Schema):
    element_id: int = Field(description="What element_list names (<<<element_N>>> in omni-video and omni-image prompts)")
    task_id: str
    name: str
    description: str
    reference_type: str
    tags: list[str]
    status: str = Field(description="ready (usable), held (waiting for a moderator) or refused (by a moderator)")
    status_message: str
    clip_id: str | None
    images: list[str] = Field(description="Links to its reference images (empty while the images are withheld for review)")
    external_task_id: str | None
    created_at: str
    deleted: bool


class ElementListOut(Schema):
    data: list[ElementOut]


def _element_or_404(request, element_id):
    element = element_actions.element_for_team(request.auth.team, element_id)
    if element is None or str(element.element_id) != str(element_id).strip():
        raise GenerationError("not_found", "No such element.", http_status=404)
    return element


@api.post("/elements", response={201: ElementOut, **CREATE_ERRORS}, summary="Create an element (a saved subject)",
          description="Screened as every input is: its name and description as a prompt, each image through the hash "
                      "banks, the nudity scan, faces and consent, apparent minors. Refused: 422 policy_violation and "
                      "nothing is kept. Held: status `held` until a moderator decides.")
def create_element(request, payload: ElementIn):
    _require_scope(request, ApiKeyScope.GENERATE)
    key = request.auth
    given = payload.dict(exclude_none=True)
    data = {"element_name": given.get("name"), "element_description": given.get("description"),
            "reference_type": given.get("reference_type"), "frontal_image": given.get("frontal_image"),
            "refer_images": given.get("refer_images"), "clip_id": given.get("clip_id"), "tag_list": given.get("tags"),
            "element_voice_id": given.get("voice_id"), "consent_id": given.get("consent_id"),
            "external_task_id": given.get("external_task_id")}
    validated = validate_element_request(load_element_inputs(data))
    element = element_actions.do_create_element(team=key.team, user=key.created_by, api_key=key, request=validated,
                                                 http_request=request)
    return Status(201, element_summary(element))


@api.get("/elements", response={200: ElementListOut, **ERRORS}, summary="List the team's elements")
def list_elements(request, limit: int = 50, offset: int = 0):
    _require_scope(request, ApiKeyScope.READ)
    if not 1 <= limit <= 200 or offset < 0:
        raise GenerationError("invalid_request", "limit must be 1–200 and offset 0 or more.", field="limit")
    rows = element_actions.team_elements(request.auth.team).select_related("clip").prefetch_related("images")
    return Status(200, {"data": [element_summary(element) for element in rows[offset : offset + limit]]})


@api.get("/elements/{element_id}", response={200: ElementOut, **ERRORS}, summary="Get one element")
def get_element(request, element_id: str):
    _require_scope(request, ApiKeyScope.READ)
    return Status(200, element_summary(_element_or_404(request, element_id)))


@api.delete("/elements/{element_id}", response={200: ElementOut, **ERRORS}, summary="Delete an element",
            description="No new generation can name it; generations that used it keep what they made.")
def delete_element(request, element_id: str):
    _require_scope(request, ApiKeyScope.GENERATE)
    element = _element_or_404(request, element_id)
    element_actions.do_delete_element(element, actor=Actor(user=request.auth.created_by, api_key=request.auth), http_request=request)
    return Status(200, element_summary(element))


@api.get("/elements/{element_id}/images/{position}", response={200: Any, **ERRORS}, url_name="element_image",
         summary="Download one reference image of an element")
def element_image(request, element_id: str, position: int):
    _require_scope(request, ApiKeyScope.READ)
    element = _element_or_404(request, element_id)
    image = next((image for image in element.images.all() if image.position == position), None)
    if image is None or element.images_withheld:
        raise GenerationError("not_found", "No such image.", http_status=404)
    return FileResponse(image.file.open("rb"), content_type=image.content_type)


class CreditsOut(Schema):
    available: int
    reserved: int
    spent_this_period: int
    monthly_allowance: int
    period_start: dt.datetime
    renews_at: dt.datetime


class LimitsOut(Schema):
    max_concurrent_generations: int
    generations_in_flight: int
    key_requests_per_minute: int
    creates_per_minute: int
    monthly_credit_cap: int | None


class KeyOut(Schema):
    name: str
    prefix: str
    scopes: list[str]
    expires_at: dt.datetime | None


class AccountOut(Schema):
    team: dict
    user: str
    credits: CreditsOut
    limits: LimitsOut
    key: KeyOut
    standing: dict


@api.get("/account", response={200: AccountOut, **ERRORS}, summary="Credits, limits and standing of the key's team and user")
def account(request):
    key = request.auth
    team = key.team
    usage = team_usage(team)
    membership = Membership.objects.filter(team=team, user=key.created_by).first()
    return Status(200, {
        "team": {"slug": team.slug, "name": team.name},
        "user": key.created_by.email,
        "credits": {
            "available": usage.available,
            "reserved": usage.reserved,
            "spent_this_period": usage.spent,
            "monthly_allowance": usage.allowance,
            "period_start": usage.period_start,
            "renews_at": usage.renews_at,
        },
        "limits": {
            "max_concurrent_generations": team.max_concurrent_generations,
            "generations_in_flight": team.generations_in_flight,
            "key_requests_per_minute": settings.API_KEY_RATE_PER_MINUTE,
            "creates_per_minute": settings.USER_CREATE_RATE_PER_MINUTE,
            "monthly_credit_cap": membership.monthly_credit_cap if membership else None,
        },
        "key": {"name": key.name, "prefix": f"sk-{key.prefix}", "scopes": key.scopes, "expires_at": key.expires_at},
        "standing": _standing_out(key.created_by),
    })


def _standing_out(user):
    """The key's creator's standing, from the same function the portal's banner and standing page use."""
    view = current_standing(user)
    return {
        "level": view.level,
        "points": view.points,
        "next_level_down_at": view.next_level_down_at.isoformat() if view.next_level_down_at else None,
    }


class MemberUsageOut(Schema):
    email: str
    spent: int
    reserved: int
    cap: int | None


class KeyUsageOut(Schema):
    name: str
    prefix: str
    spent: int
    generations: int


class UsageOut(Schema):
    period_start: dt.datetime
    spent: int
    members: list[MemberUsageOut]
    keys: list[KeyUsageOut]


@api.get("/usage", response={200: UsageOut, **ERRORS}, summary="Credits spent this period, per member and per key")
def usage(request):
    _require_scope(request, ApiKeyScope.READ)
    figures = team_usage(request.auth.team)
    return Status(200, {
        "period_start": figures.period_start,
        "spent": figures.spent,
        "members": [{"email": m.email, "spent": m.spent, "reserved": m.reserved, "cap": m.cap} for m in figures.members],
        "keys": [{"name": k.name, "prefix": f"sk-{k.prefix}", "spent": k.spent, "generations": k.generations} for k in figures.keys],
    })


# --- provenance: POST /provenance/verify ------------------------------------------------------------------


class VerifyCredentialsOut(Schema):
    state: str = Field(description="missing, invalid, valid (another signer) or trusted (signed by this studio's CA)")
    reason: str | None = Field(None, description="Why validation failed, when it did")
    actions: list[str] = Field(default_factory=list, description="The C2PA actions the manifest claims")
    assertions: list[str] = Field(default_factory=list, description="Labels of the active manifest's assertions")
    ingredients: list[dict[str, str | None]] = Field(
        default_factory=list, description="What the media was made from: title and relationship (parentOf, …)"
    )
    generation_id: str | None = None
    signer: str | None = None
    claim_generator: str | None = None
    ai_generated: bool = Field(False, description="The manifest says a generative model made the media")


class VerifyWatermarkOut(Schema):
    checked: bool = Field(description="False when this install could not look (no watermark key)")
    found: bool
    confidence: float | None = None
    install: str | None = Field(None, description="The install id the watermark names (hex)")
    digest: str | None = Field(None, description="The keyed generation digest the watermark carries (hex)")
    this_install: bool | None = None
    frames_read: int | None = None
    reason: str | None = None


class VerifyGenerationOut(Schema):
    id: str | None = None
    created_at: str | None = None
    kind: str | None = None
    kind_label: str | None = None
    model: str | None = None
    matched_by: list[str] = Field(default_factory=list, description="credentials and/or watermark")
    ambiguous: int | None = Field(None, description="Set instead of id when several generations carry the watermark")


class VerifyOut(Schema):
    media: str = Field(description="video or image")
    mime_type: str
    verdict: str = Field(
        description="ours, ours_altered, ai_generated_elsewhere, credentials_elsewhere, credentials_invalid or nothing_found"
    )
    summary: list[str] = Field(description="Sentences a person reads")
    credentials: VerifyCredentialsOut
    watermark: VerifyWatermarkOut
    generation: VerifyGenerationOut | None = Field(None, description="The generation of this studio the file names")


class VerifyUrlIn(Schema):
    url: str = Field(description="An http(s) URL of the file (private and loopback addresses are refused)")


VERIFY_ERRORS = {**ERRORS, 413: ErrorOut}


def _verify_url_from_body(request):
    """The `url` of a JSON body (or of a multipart form), or None."""
    if request.content_type == "multipart/form-data":
        url = request.POST.get("url")
    elif request.body:
        body = parse_json_body(request.body)  # GenerationError invalid_json → 400
        url = body.get("url") if isinstance(body, dict) else None
    else:
        url = None
    if url is not None and not isinstance(url, str):
        raise GenerationError("invalid_field_type", "url must be a string.", field="url")
    return (url or "").strip() or None


_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}
            },
            "application/json": {"schema": VerifyUrlIn.json_schema()},
        },
    }
}


@api.post(
    "/provenance/verify",
    response={200: VerifyOut, **VERIFY_ERRORS},
    summary="Check where a video or image came from (content credentials and this studio's watermark)",
    description=(
        "Send the file as multipart `file` (MP4, MOV, JPEG, PNG or WebP), or a JSON body `{\"url\": \"https://…\"}`. "
        "Nothing sent is kept. Refusals: 400 `missing_file`, `url_not_allowed`; 413 `file_too_large` (over "
        "VERIFY_MAX_BYTES), `media_too_large` (too many pixels); 422 `unsupported_media`, `media_unreadable`, "
        "`url_fetch_failed`; 429 `rate_limited`."
    ),
    openapi_extra=_VERIFY_BODY,
    url_name="provenance_verify",
)
def verify_provenance(request, file: File[UploadedFile | None] = None):  # not File[...] | None: ninja reads that from the query
    # A check decodes up to a few hundred frames: beside the key's own limit, the check has its own bucket.
    check_media_check_rate(f"key:{request.auth.pk}")
    try:
        if file is not None:
            report = check_upload(file)
        else:
            url = _verify_url_from_body(request)
            if url is None:
                raise CheckRefused("missing_file", "Send the file as multipart `file`, or a JSON body with `url`.")
            report = check_url(url)
    except CheckRefused as error:
        return error_response(request, error.code, error.message, error.status)
    return Status(200, report)


# --- moderation: read-only, for trust-and-safety staff (their own API key, or their signed-in session) -------


class QueueCountOut(Schema):
    queue: str
    name: str
    open: int


class ModerationItemOut(Schema):
    id: str
    kind: str
    stage: str
    queue: str | None
    priority: int
    severity: float
    categories: dict[str, float]
    score: float | None = Field(None, description="(priority + top score) × hours waiting (1–48) × (1 + open reports)")
    reports: int = Field(description="Open report items on the same generation")
    escalated: bool
    claimed: bool
    created_at: str
    sla_due_at: str
    overdue: bool
    generation_id: str
    team: str
    author: str
    prompt: str


class ModerationItemListOut(Schema):
    counts: list[QueueCountOut] = Field(description="Open items per queue the caller may see")
    total: int
    data: list[ModerationItemOut]


def _moderator_or_404(request):
    """The signed-in moderator (the session's user). Anyone else gets the 404 any missing path gets: never a
    hint that there is something here."""
    user = request.auth
    if not roles.is_moderator(user):
        raise GenerationError("not_found", "Not found.", http_status=404)
    return user


def _moderation_item_out(item, now):
    return {
        "id": str(item.public_id), "kind": item.kind, "stage": item.stage, "queue": item.queue.slug if item.queue_id else None,
        "priority": item.priority, "severity": item.severity,
        "categories": {name: float(score) for name, score in (item.categories or {}).items() if isinstance(score, (int, float))},
        "score": getattr(item, "score", None), "reports": getattr(item, "reports", 0), "escalated": item.escalated,
        "claimed": bool(item.claimed_by_id and item.lease_expires_at and item.lease_expires_at > now),
        "created_at": item.created_at.isoformat(), "sla_due_at": item.sla_due_at.isoformat(), "overdue": item.sla_due_at < now,
        "generation_id": str(item.generation.public_id), "team": item.generation.team.slug,
        "author": item.generation.created_by.email, "prompt": item.generation.prompt,
    }


# The moderator's own session only: an API key belongs to a team and is shared within it, so a key a
# moderator made for their team must not open the platform-wide queue to their teammates.
MODERATION_AUTH = [django_auth]


@api.get("/moderation/items", response={200: ModerationItemListOut, **ERRORS}, auth=MODERATION_AUTH,
         summary="Open review items the caller may see, most urgent first, with counts per queue")
def moderation_items(request, queue: str | None = None, limit: int = 50):
    """For trust-and-safety staff only (anyone else: 404). Child-safety items are listed and counted for
    child-safety moderators alone. `queue` narrows to one queue the caller may see (by slug)."""
    user = _moderator_or_404(request)
    now = timezone.now()
    if queue and not roles.visible_queues(user).filter(slug=queue).exists():
        raise GenerationError("invalid_queue", "No queue you may see has this slug.", field="queue")
    visible = roles.visible_q(user)
    counted = ReviewItem.objects.filter(visible, decision="").values_list("queue__slug").annotate(count=Count("id"))
    per_queue = {slug: count for slug, count in counted}
    counts = [{"queue": found.slug, "name": found.name, "open": per_queue.get(found.slug, 0)}
              for found in roles.visible_queues(user)]
    items = selectors.review_queue_items({}, moderator=user, now=now, visible=visible, queue=queue)
    limit = max(1, min(limit, 100))
    return Status(200, {"counts": counts, "total": len(items) if queue else sum(per_queue.values()),
                        "data": [_moderation_item_out(item, now) for item in items[:limit]]})


@api.get("/moderation/items/{item_id}", response={200: ModerationItemOut, **ERRORS}, auth=MODERATION_AUTH,
         summary="One review item (404 for one the caller may not see)")
def moderation_item(request, item_id: str):
    user = _moderator_or_404(request)
    item = roles.visible_items(user, ReviewItem.objects.select_related(
        "generation", "generation__team", "generation__created_by", "queue",
    )).filter(public_id=selectors.as_uuid(item_id)).first()
    if item is None:
        raise GenerationError("not_found", "No such review item.", http_status=404)
    return Status(200, _moderation_item_out(item, timezone.now()))
