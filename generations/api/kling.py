"""The Kling-compatible door: /kling/v1/videos/{kind} for every kind of the catalog (avatar's is
/kling/v1/videos/avatar/image2video), /kling/v1/images/generations, /kling/v1/images/editing/expand,
/kling/v1/images/omni-image and /kling/v1/images/multi-image2image for still images, and
/kling/v1/audio/text-to-audio and /kling/v1/audio/video-to-audio for sound, the selection sessions of
video→video editing (/kling/v1/videos/multi-elements/{init,add,delete,clear,preview}-selection), and the team's
element library (/kling/v1/general/advanced-custom-elements, advanced-presets-elements, delete-elements).

Code written for Kling or CometAPI works against the studio by changing only its base URL: the same
request fields, the `{code, message, request_id, data}` envelope, `task_status` values, millisecond
timestamps, string durations and the official error codes — with the studio's screening, credits and
audit in front. Authentication takes the studio API key as a plain Bearer token (CometAPI style), or a
Kling-style HS256 JWT signed exactly as Kling's SDKs sign it: either with a team's Kling key pair
(`iss` = its `ak-…` access key, signed with its secret key; accounts.kling_pairs), or with a studio API key
as both access key and secret key (the studio stores only a hash of keys, so that JWT is checked by first
authenticating `iss`, then verifying the signature with it).
"""

import base64
import functools
import hashlib
import hmac
import json
import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts import kling_pairs
from accounts.actions import authenticate_api_key, authenticate_kling_jwt
from accounts.audit import Actor, client_ip
from accounts.errors import AccountError
from accounts.kling_pairs import ACCESS_KEY_PREFIX
from accounts.models import ApiKeyScope
from accounts.ratelimit import check_api_key_rate
from generations.actions import elements as element_actions
from generations.actions import selection as selections
from generations.actions.generation import do_submit_generation
from generations.catalog import (
    AUDIO_KINDS,
    AUDIO_MODEL,
    AVATAR,
    AVATAR_MODEL,
    EXPANSION_SIDES,
    IMAGE_DEFAULT_MODEL,
    IMAGE_EXPAND,
    IMAGE_EXPAND_MODEL,
    IMAGE_GENERATION,
    KINDS,
    MOTION_CONTROL,
    MOTION_DEFAULT_MODEL,
    MULTI_ELEMENTS,
    MULTI_ELEMENTS_MODELS,
    MULTI_IMAGE2IMAGE,
    MULTI_IMAGE2IMAGE_MODELS,
    OMNI_DEFAULT_MODEL,
    OMNI_IMAGE,
    OMNI_IMAGE_MODELS,
    OMNI_VIDEO,
    VIDEO_TO_AUDIO,
    validate_element_request,
    validate_generation_request,
)
from generations.errors import GenerationError
from generations.inputs.loading import load_element_inputs, load_media_inputs, parse_json_body
from generations.models import Asset, AssetRole, ElementImage, Generation
from generations.presenters import (
    coco_rle,
    download_signature,
    element_file_signature,
    kling_element_task,
    kling_resource_packs,
    kling_task_object,
    png_base64,
    selection_mask,
    signed_download_url,
)
from generations.selectors import as_uuid
from generations.states import Status
from generations.web.files import serve_file

# The studio's stable codes → (HTTP status, Kling business code).
_KLING_CODES = {
    "missing_api_key": (401, 1001),
    "invalid_api_key": (401, 1002),
    "api_key_revoked": (401, 1002),
    "api_key_owner_removed": (401, 1002),
    "api_key_expired": (401, 1004),
    "token_not_yet_valid": (401, 1003),
    "token_expired": (401, 1004),
    "token_lifetime_too_long": (401, 1004),
    "insufficient_scope": (403, 1103),
    "account_suspended": (403, 1103),
    "insufficient_credits": (429, 1102),
    "member_cap_exceeded": (429, 1102),
    "concurrency_limit": (429, 1303),
    "rate_limited": (429, 1302),
    "policy_violation": (400, 1301),
    "not_found": (404, 1203),
    "method_not_allowed": (404, 1202),
    "external_task_id_exists": (400, 1201),
}

# Request fields of the official API this door does not implement yet. Refused (1201), never silently
# dropped: a caller who asked for masks must not be charged for a clip without them. Each maps to the values
# that mean "not asked for" and are accepted. (`sound` and the multi-shot fields are implemented: the catalog
# checks them per model.)
UNSUPPORTED_FIELDS = {
    "static_mask": (None, ""),
    "dynamic_masks": (None, []),
    "voice_list": (None, []),
}


def envelope(request, data, *, code=0, message="SUCCEED", status=200):
    body = {"code": code, "message": message, "request_id": getattr(request, "request_id", "")}
    if code == 0:
        body["data"] = data
    return JsonResponse(body, status=status)


def error_response(request, code, message, *, retry_after=None):
    http_status, kling_code = _KLING_CODES.get(code, (400, 1201))
    response = envelope(request, None, code=kling_code, message=message, status=http_status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- signed download links ----------------------------------------------------------------------


@require_GET
def signed_file(request, asset_id):
    """A result file behind an expiring signature: what Kling calls an anti-leech URL."""
    try:
        expires = int(request.GET.get("expires", "0"))
    except ValueError:
        expires = 0
    signature = request.GET.get("signature", "").encode()  # bytes: a non-ASCII str would make compare_digest raise
    if expires < time.time() or not hmac.compare_digest(signature, download_signature(str(asset_id), expires).encode()):
        raise Http404("This link is invalid or has expired.")
    asset = Asset.objects.select_related("generation").filter(public_id=as_uuid(asset_id), quarantined=False).first()
    if asset is None or asset.generation.status != Status.SUCCEEDED:
        raise Http404("No such file.")
    return serve_file(request, asset)


# --- the task object ----------------------------------------------------------------------------


# --- authentication -----------------------------------------------------------------------------


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def authenticate(request):
    """The ApiKey behind the request's Authorization header, or AccountError with a code."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AccountError("missing_api_key", "Authorization is empty", http_status=401)
    if token.count(".") != 2:
        key = authenticate_api_key(token, ip_address=client_ip(request))
    else:
        try:
            header_b64, payload_b64, signature_b64 = token.split(".")
            claims = json.loads(_b64url_decode(payload_b64))
            signature = _b64url_decode(signature_b64)
        except (ValueError, TypeError, RecursionError):
            raise AccountError("invalid_api_key", "Authorization is invalid", http_status=401) from None
        if not isinstance(claims, dict):  # JSON, but not a claims object: `[]`, `"x"`, `1`
            raise AccountError("invalid_api_key", "Authorization is invalid", http_status=401)
        if str(claims.get("iss") or "").startswith(ACCESS_KEY_PREFIX):
            key = authenticate_kling_jwt(token, ip_address=client_ip(request))
            check_api_key_rate(key)
            return key
        raw_key = str(claims.get("iss") or "")
        key = authenticate_api_key(raw_key, ip_address=client_ip(request))
        expected = hmac.new(raw_key.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise AccountError("invalid_api_key", "Authorization is invalid", http_status=401)
        # The same time rules as a key pair's token: exp required, nbf, the lifetime cap.
        kling_pairs.check_times(claims)
    check_api_key_rate(key)
    return key


# --- views --------------------------------------------------------------------------------------


def _unknown(request):
    return error_response(request, "not_found", "Requested resource does not exist")


@csrf_exempt
def unknown_path(request, rest=""):
    """Any other path under /kling/: the envelope an SDK can parse, never the site's HTML 404 page."""
    return _unknown(request)


def door_route(**scopes):
    """A Kling door view: the caller authenticated (a Kling-style key pair's JWT or a studio key), the request's
    method one of `scopes` (method -> the key scope it needs) and the key holding that scope; an AccountError or
    GenerationError raised on the way is answered in Kling's envelope. The view is called with the key."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def route(request, *args, **kwargs):
            try:
                key = authenticate(request)
                scope = scopes.get(request.method)
                if scope is None:
                    return error_response(request, "method_not_allowed", "Requested method is invalid")
                if not key.has_scope(scope):
                    raise AccountError("insufficient_scope", "Unauthorized access to requested resource", http_status=403)
                return view(request, key, *args, **kwargs)
            except AccountError as error:
                return error_response(request, error.code, error.message, retry_after=getattr(error, "retry_after_s", None))
            except GenerationError as error:
                return error_response(request, error.code, error.message)

        return route

    return wrap


def _ms_param(request, name):
    value = request.GET.get(name, "")
    if value == "":
        return None
    if not value.isdigit():
        raise GenerationError("invalid_request", f"Invalid request parameters: {name} must be a time in milliseconds")
    return int(value)


@door_route(GET=ApiKeyScope.READ)
def account_costs(request, key):
    """GET /account/costs: the team's credits as Kling resource packs (some SDKs' health check)."""
    packs = kling_resource_packs(
        key.team,
        start_ms=_ms_param(request, "start_time"),
        end_ms=_ms_param(request, "end_time"),
        pack_name=request.GET.get("resource_pack_name") or None,
    )
    return envelope(request, {"code": 0, "msg": "success", "resource_pack_subscribe_infos": packs})


@csrf_exempt
def tasks(request, kind):
    """POST: create a task. GET: list the team's tasks of this kind (pageNum, pageSize)."""
    if kind not in KINDS:
        return _unknown(request)
    try:
        key = authenticate(request)
        if request.method == "POST":
            return _create(request, key, kind)
        if request.method == "GET":
            return _list(request, key, kind)
    except AccountError as error:
        return error_response(request, error.code, error.message, retry_after=getattr(error, "retry_after_s", None))
    except GenerationError as error:
        return error_response(request, error.code, error.message)
    return error_response(request, "method_not_allowed", "Requested method is invalid")


def _create(request, key, kind):
    if not key.has_scope(ApiKeyScope.GENERATE):
        raise AccountError("insufficient_scope", "Unauthorized access to requested resource", http_status=403)
    body = parse_json_body(request.body)
    if not isinstance(body, dict):
        raise GenerationError("invalid_request", "Invalid request parameters: the body must be a JSON object")
    for name, accepted in UNSUPPORTED_FIELDS.items():
        if body.get(name) not in accepted:
            raise GenerationError(
                "invalid_request", f"Invalid request parameters: {name} is not supported by this service yet", field=name
            )
    data = {
        "kind": kind,
        "model": body.get("model_name") or ("kling-v1" if body.get("model") else settings.DEFAULT_MODEL),
        **{
            name: body.get(name)
            for name in ("prompt", "negative_prompt", "cfg_scale", "mode", "aspect_ratio", "duration", "camera_control",
                         "callback_url", "external_task_id", "sound", "multi_shot", "shot_type", "multi_prompt")
            if body.get(name) is not None
        },
    }
    for name in ("image", "image_tail"):
        if body.get(name):
            if kind not in ("image2video", AVATAR, IMAGE_GENERATION, IMAGE_EXPAND) or (kind in (IMAGE_GENERATION, IMAGE_EXPAND) and name != "image"):
                raise GenerationError("image_not_applicable", f"{name} is only used by image2video", field=name)
            data[name] = body[name]
    data.update(_kind_fields(kind, body, key.team))
    data["watermark"] = _watermark_info(body)
    validated = validate_generation_request(load_media_inputs(data), default_model=settings.DEFAULT_MODEL)
    generation = do_submit_generation(
        team=key.team, user=key.created_by, api_key=key, request=validated, http_request=request, callback_format="kling"
    )
    if generation.status == Status.BLOCKED:
        message = "Trigger the content security policy of the platform"
        shot = ((generation.screening_result or {}).get("decided_by") or {}).get("shot")
        if shot:  # the upstream's wording, and which shot of the multi_prompt tripped it
            message += f" (multi_prompt shot {shot})"
        return error_response(request, "policy_violation", message)
    task = kling_task_object(generation, request=request)
    created = {name: task[name] for name in ("task_id", "task_status", "task_info", "created_at", "updated_at")}
    return envelope(request, created)


def _watermark_info(body):
    """Kling's `watermark_info: {"enabled": bool}`: the visible mark on this clip (and `watermark_url`)."""
    value = body.get("watermark_info")
    if value is None:
        return False
    if not isinstance(value, dict) or not isinstance(value.get("enabled", False), bool):
        raise GenerationError(
            "invalid_request", 'Invalid request parameters: watermark_info must be an object like {"enabled": false}',
            field="watermark_info",
        )
    return value.get("enabled", False)


def _parent_from_video_id(video_id, team):
    """The generation whose result video this door reported as `video_id` (the video asset's id)."""
    if not isinstance(video_id, str) or not video_id:
        raise GenerationError("parent_required", "Invalid request parameters: video_id is required", field="video_id")
    parsed = as_uuid(video_id)
    asset = Asset.objects.filter(public_id=parsed, role=AssetRole.VIDEO, generation__team=team).select_related("generation").first() if parsed else None
    if asset is None:
        raise GenerationError("parent_not_found", f"video_id {video_id[:64]} does not exist", field="video_id")
    return str(asset.generation.public_id)


def _kind_fields(kind, body, team):
    """The fields of the newer kinds, from the upstream's body shapes to the studio's request fields."""
    if kind == "multi-image2video":
        image_list = body.get("image_list")
        if not isinstance(image_list, list) or not all(isinstance(item, dict) for item in image_list):
            raise GenerationError("invalid_image_count", "Invalid request parameters: image_list must be a list of {image}")
        return {"images": [item.get("image") for item in image_list], "model": body.get("model_name") or "kling-v1-6"}
    if kind == "video-extend":
        return {"parent_id": _parent_from_video_id(body.get("video_id"), team)}
    if kind == "lip-sync":
        lip_sync = body.get("input")
        if not isinstance(lip_sync, dict):
            raise GenerationError("invalid_request", "Invalid request parameters: input must be an object")
        if lip_sync.get("video_url"):
            raise GenerationError("invalid_request", "Invalid request parameters: use video_id (a video of this account)")
        fields = {"parent_id": _parent_from_video_id(lip_sync.get("video_id"), team)}
        if lip_sync.get("mode") == "audio2video":
            if lip_sync.get("audio_type") != "file" or not lip_sync.get("audio_file"):
                raise GenerationError("invalid_request", "Invalid request parameters: audio2video needs audio_type file and audio_file")
            fields["audio"] = lip_sync["audio_file"]
        else:
            fields.update({name: lip_sync[name] for name in ("text", "voice_id", "voice_language", "voice_speed") if name in lip_sync})
        return fields
    if kind == AVATAR:
        return _avatar_fields(body)
    if kind == OMNI_VIDEO:
        return _omni_fields(body, team)
    if kind == MOTION_CONTROL:
        return _motion_fields(body, team)
    if kind == MULTI_ELEMENTS:
        return _multi_elements_fields(body, team)
    if kind in AUDIO_KINDS:
        return _sound_fields(kind, body, team)
    if kind == IMAGE_GENERATION:
        # The official body's own names; the catalog checks them (n, image_reference, the fidelities, resolution).
        fields = {"model": body.get("model_name") or IMAGE_DEFAULT_MODEL}
        fields.update({name: body[name] for name in ("n", "image_reference", "image_fidelity", "human_fidelity", "resolution")
                       if body.get(name) is not None})
        return fields
    if kind in (IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE):
        return _image_family_fields(kind, body)
    if kind == "effects":
        effect_input = body.get("input")
        if not isinstance(effect_input, dict):
            raise GenerationError("invalid_request", "Invalid request parameters: input must be an object")
        fields = {"effect_scene": body.get("effect_scene"), "images": effect_input.get("images") or [effect_input.get("image")]}
        fields.update({name: effect_input[name] for name in ("mode", "duration") if name in effect_input})
        fields["model"] = effect_input.get("model_name") or "kling-v1-6"
        return fields
    return {}


def _image_family_fields(kind, body):
    """The rest of the image family, from the official bodies to the catalog's fields: expand's four ratios (its
    route names no model); omni-image's image_list [{image}] and element_list; multi-image2image's
    subject_image_list [{subject_image}] (the catalog's `images`), scene_image and style_image. All take n."""
    fields = {name: body[name] for name in ("n", "resolution") if body.get(name) is not None}
    if kind == IMAGE_EXPAND:
        fields["model"] = body.get("model_name") or IMAGE_EXPAND_MODEL
        fields.update({f"{side}_expansion_ratio": body[f"{side}_expansion_ratio"] for side in EXPANSION_SIDES
                       if body.get(f"{side}_expansion_ratio") is not None})
        return fields
    if kind == OMNI_IMAGE:
        fields["model"] = body.get("model_name") or OMNI_IMAGE_MODELS[0]
        fields["image_list"] = _omni_list(body, "image_list", '{"image"}')
        fields["element_list"] = _omni_list(body, "element_list", '{"element_id"}')
        return fields
    fields["model"] = body.get("model_name") or MULTI_IMAGE2IMAGE_MODELS[0]
    subjects = _omni_list(body, "subject_image_list", '{"subject_image"}')
    fields["images"] = [entry.get("subject_image") for entry in subjects]
    fields.update({name: body[name] for name in ("scene_image", "style_image") if body.get(name) not in (None, "")})
    return fields


def _avatar_fields(body):
    """avatar/image2video: `sound_file` (Base64 audio) or `text` with its voice; `audio_id` names audio
    made by the upstream's TTS, which this service does not keep, so it is refused rather than ignored."""
    if body.get("audio_id") not in (None, ""):
        raise GenerationError(
            "invalid_request", "Invalid request parameters: audio_id is not supported by this service yet; send sound_file",
            field="audio_id",
        )
    fields = {"model": AVATAR_MODEL}
    sound_file = body.get("sound_file")
    if isinstance(sound_file, str) and sound_file.strip().lower().startswith(("http://", "https://")):
        raise GenerationError(
            "invalid_request", "Invalid request parameters: sound_file must be Base64 audio here; URLs are not fetched",
            field="sound_file",
        )
    if sound_file not in (None, ""):
        fields["audio"] = sound_file
    fields.update({name: body[name] for name in ("text", "voice_id", "voice_language", "voice_speed") if name in body})
    return fields


_FILE_PATH = re.compile(r"/kling/v1/files/([0-9a-fA-F-]{32,36})/?$")


def _omni_list(body, name, shape):
    entries = body.get(name)
    if entries in (None, []):
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise GenerationError("invalid_request", f"Invalid request parameters: {name} must be a list of {shape}", field=name)
    return entries


def _omni_fields(body, team):
    """omni-video: image_list [{image_url, type}], video_list [{video_url, refer_type, keep_original_sound}],
    element_list [{element_id}], in the upstream's shapes, to the catalog's fields. A clip is a video of this
    account: its result `url` from this door (or its `video_id`); other URLs are not fetched."""
    fields = {"model": body.get("model_name") or OMNI_DEFAULT_MODEL}
    images = _omni_list(body, "image_list", '{"image_url", "type"}')
    fields["image_list"] = [
        {"image": entry.get("image_url") or entry.get("image"), **({"type": entry["type"]} if entry.get("type") else {})}
        for entry in images
    ]
    videos = []
    for index, entry in enumerate(_omni_list(body, "video_list", '{"video_url", "refer_type", "keep_original_sound"}')):
        videos.append({
            "video_id": _team_clip(entry, f"video_list[{index}]", "video_list", team),
            **{name: entry[name] for name in ("refer_type", "keep_original_sound") if entry.get(name) not in (None, "")},
        })
    fields["video_list"] = videos
    fields["element_list"] = _omni_list(body, "element_list", '{"element_id"}')
    return fields


def _team_clip(entry, label, field, team):
    """The generation whose clip an entry names: its `video_id`, or a result `url` this door gave out (its
    /kling/v1/files/<id> path). Any other URL is refused, never fetched."""
    video_id = entry.get("video_id")
    if video_id in (None, ""):
        url = entry.get("video_url")
        match = _FILE_PATH.search(urlsplit(url).path) if isinstance(url, str) and url else None
        if match is None:
            raise GenerationError(
                "invalid_request",
                f"Invalid request parameters: {label}.video_url must be the url of a video this account made "
                "(a task's result); other URLs are not fetched",
                field=field,
            )
        video_id = match.group(1)
    return _parent_from_video_id(video_id, team)


def _motion_fields(body, team):
    """motion-control: image_url (the character, URL or Base64), video_url (the motion: a result url of this
    account, or its video_id), character_orientation and keep_original_sound, to the catalog's fields."""
    fields = {"model": body.get("model_name") or MOTION_DEFAULT_MODEL, "image": body.get("image_url")}
    if body.get("video_url") in (None, "") and body.get("video_id") in (None, ""):
        raise GenerationError("parent_required", "Invalid request parameters: video_url is required", field="video_url")
    fields["parent_id"] = _team_clip(body, "body", "video_url", team)
    fields.update({name: body[name] for name in ("character_orientation", "keep_original_sound") if body.get(name) is not None})
    return fields


def _multi_elements_fields(body, team):
    """multi-elements: session_id (a live selection session of this team: the clip it was opened on and the
    points marked on it), edit_mode, image_list [{image}] (URL or Base64), to the catalog's fields."""
    session = selections.live_session(team, body.get("session_id"))
    images = _omni_list(body, "image_list", '{"image"}')
    return {
        "model": body.get("model_name") or MULTI_ELEMENTS_MODELS[0],
        "parent_id": str(session.clip.public_id),
        "selection": session.selection,
        "edit_mode": body.get("edit_mode"),
        "images": [entry.get("image") for entry in images],
        "session_id": str(session.public_id),
    }


def _sound_fields(kind, body, team):
    """The sound kinds take no model_name (the studio records its own); video-to-audio's clip is its `video_id`
    or a result `video_url` this door gave out (never another URL), with sound_effect_prompt, bgm_prompt and
    asmr_mode as upstream."""
    fields = {"model": body.get("model_name") or AUDIO_MODEL}
    if kind == VIDEO_TO_AUDIO:
        if body.get("video_url") in (None, "") and body.get("video_id") in (None, ""):
            raise GenerationError("parent_required", "Invalid request parameters: video_id or video_url is required",
                                  field="video_id")
        fields["parent_id"] = _team_clip(body, "body", "video_url", team)
        fields.update({name: body[name] for name in ("sound_effect_prompt", "bgm_prompt", "asmr_mode") if body.get(name) is not None})
    return fields


def _page_param(request, name, default, upper):
    value = request.GET.get(name, str(default))
    if not value.isdigit() or not 1 <= int(value) <= upper:
        raise GenerationError("invalid_request", f"Invalid request parameters: {name} must be between 1 and {upper}")
    return int(value)


def _list(request, key, kind):
    if not key.has_scope(ApiKeyScope.READ):
        raise AccountError("insufficient_scope", "Unauthorized access to requested resource", http_status=403)
    page_num = _page_param(request, "pageNum", 1, 1000)
    page_size = _page_param(request, "pageSize", 30, 500)
    start = (page_num - 1) * page_size
    rows = (
        Generation.objects.filter(team=key.team, kind=kind)
        .prefetch_related("assets")
        .order_by("-created_at", "-id")[start : start + page_size]
    )
    return envelope(request, [kling_task_object(generation, request=request) for generation in rows])


@csrf_exempt
def task_detail(request, kind, task_id):
    """GET one task by the studio's task_id or the caller's external_task_id."""
    if kind not in KINDS:
        return _unknown(request)
    try:
        key = authenticate(request)
        if request.method != "GET":
            return error_response(request, "method_not_allowed", "Requested method is invalid")
        if not key.has_scope(ApiKeyScope.READ):
            raise AccountError("insufficient_scope", "Unauthorized access to requested resource", http_status=403)
        match = Q(client_reference=task_id) if task_id else Q(pk__in=[])
        parsed = as_uuid(task_id)
        if parsed is not None:
            match |= Q(public_id=parsed)
        generation = Generation.objects.filter(match, team=key.team, kind=kind).prefetch_related("assets").first()
        if generation is None:
            return error_response(request, "not_found", "Requested resource does not exist")
        return envelope(request, kling_task_object(generation, request=request))
    except AccountError as error:
        return error_response(request, error.code, error.message, retry_after=getattr(error, "retry_after_s", None))



# --- multi-elements selection sessions ------------------------------------------------------------


@door_route(POST=ApiKeyScope.GENERATE)
def selection(request, key, action):
    """POST /v1/videos/multi-elements/{init,add,delete,clear,preview}-selection, in Kling's shapes. A session
    belongs to the team that opened it: for any other it does not exist (404 / 1203)."""
    body = parse_json_body(request.body)
    if not isinstance(body, dict):
        raise GenerationError("invalid_request", "Invalid request parameters: the body must be a JSON object")
    team = key.team
    if action == "init":
        return envelope(request, _session_info(selections.do_open_selection(team=team, clip_id=_init_clip(body, team)), request))
    if action == "add":
        session = selections.do_add_selection(team=team, session_id=body.get("session_id"),
                                              frame_index=body.get("frame_index"), points=body.get("points"))
        return envelope(request, _frame_masks(session, body["frame_index"]))
    if action == "delete":
        session = selections.do_delete_selection(team=team, session_id=body.get("session_id"),
                                                 frame_index=body.get("frame_index"), points=body.get("points"))
        return envelope(request, _frame_masks(session, body["frame_index"]))
    if action == "clear":
        session = selections.do_clear_selection(team=team, session_id=body.get("session_id"))
        return envelope(request, {"status": 0, "session_id": str(session.public_id), "final_unit_deduction": "0"})
    session = selections.live_session(team, body.get("session_id"))
    return envelope(request, _preview(session, request))


def _init_clip(body, team):
    """init-selection's clip: video_id, or a result video_url this door gave out; exactly one of them."""
    given = [name for name in ("video_id", "video_url") if body.get(name) not in (None, "")]
    if len(given) != 1:
        raise GenerationError("invalid_request", "Invalid request parameters: give exactly one of video_id and video_url",
                              field="video_id")
    return _team_clip(body, "body", given[0], team)


def _session_info(session, request):
    """init-selection's data: the session and what was read from the clip (duration in ms, as upstream)."""
    return {
        "status": 0, "session_id": str(session.public_id), "final_unit_deduction": "0", "fps": session.fps,
        "original_duration": session.duration_ms, "width": session.width, "height": session.height,
        "total_frame": session.total_frames, "normalized_video": _clip_url(session, request, AssetRole.VIDEO),
    }


def _clip_url(session, request, role):
    """A signed link to the session clip's video (or poster), as the task object's result URLs are."""
    asset = session.clip.assets.filter(role=role, quarantined=False).first()
    return signed_download_url(request, asset) if asset is not None else ""


def _frame_masks(session, frame_index):
    """add/delete-selection's data: the frame's marked region as a mask, in both of the upstream's encodings
    (COCO RLE and a PNG). The studio has no segmenter of its own: the region is the union of squares around the
    points (a tenth of the shorter side), which the video service refines when the edit is sent."""
    points = next((mark["points"] for mark in session.selection if mark["frame_index"] == frame_index), [])
    width, height = max(1, session.width), max(1, session.height)
    mask = selection_mask(width, height, points)
    masks = [{"object_id": 0, "rle_mask": {"size": [height, width], "counts": coco_rle(mask)},
              "png_mask": {"size": [height, width], "base64": png_base64(mask)}}] if points else []
    return {"status": 0, "session_id": str(session.public_id), "final_unit_deduction": "0",
            "res": {"frame_index": frame_index, "rle_mask_list": masks}}


def _preview(session, request):
    """preview-selection's data: the clip and its cover; the marked frames are listed as they stand."""
    return {"status": 0, "session_id": str(session.public_id), "final_unit_deduction": "0",
            "res": {"video": _clip_url(session, request, AssetRole.VIDEO), "video_cover": _clip_url(session, request, AssetRole.POSTER),
                    "tracking_output": "", "selection": session.selection}}


# --- the element library (/v1/general/…) ------------------------------------------------------------------------


@door_route(POST=ApiKeyScope.GENERATE, GET=ApiKeyScope.READ)
def elements(request, key):
    """POST: create an element (a task: `processing` while held for review, `succeed` when ready; a refusal by
    screening is 1301 and leaves nothing behind). GET: the team's elements as tasks (pageNum, pageSize)."""
    if request.method == "POST":
        return _create_element(request, key)
    page_num, page_size = _page_param(request, "pageNum", 1, 1000), _page_param(request, "pageSize", 30, 500)
    start = (page_num - 1) * page_size
    rows = element_actions.team_elements(key.team).select_related("clip").prefetch_related("images")[start : start + page_size]
    return envelope(request, [kling_element_task(element, request=request) for element in rows])


def _create_element(request, key):
    body = parse_json_body(request.body)
    if not isinstance(body, dict):
        raise GenerationError("invalid_request", "Invalid request parameters: the body must be a JSON object")
    data = {name: body.get(name) for name in ("element_name", "element_description", "reference_type", "element_voice_id",
                                              "tag_list", "callback_url", "external_task_id", "consent_id")}
    images = body.get("element_image_list")
    if images not in (None, {}, ""):
        if not isinstance(images, dict):
            raise GenerationError("invalid_request", 'Invalid request parameters: element_image_list must be an object like '
                                  '{"frontal_image", "refer_images": [{"image_url"}]}', field="element_image_list")
        refers = images.get("refer_images") or []
        if not isinstance(refers, list) or not all(isinstance(entry, dict) for entry in refers):
            raise GenerationError("invalid_request", 'Invalid request parameters: refer_images must be a list of {"image_url"}',
                                  field="element_image_list")
        data["frontal_image"] = images.get("frontal_image")
        data["refer_images"] = [entry.get("image_url") or entry.get("image") for entry in refers]
    videos = body.get("element_video_list")
    if videos not in (None, {}, ""):
        refer_videos = videos.get("refer_videos") if isinstance(videos, dict) else None
        if not isinstance(refer_videos, list) or len(refer_videos) != 1 or not isinstance(refer_videos[0], dict):
            raise GenerationError("invalid_request", "Invalid request parameters: element_video_list.refer_videos takes exactly "
                                  "one {\"video_url\"}", field="element_video_list")
        data["clip_id"] = _team_clip(refer_videos[0], "element_video_list.refer_videos[0]", "element_video_list", key.team)
    validated = validate_element_request(load_element_inputs(data))
    try:
        element = element_actions.do_create_element(team=key.team, user=key.created_by, api_key=key, request=validated,
                                                     http_request=request)
    except element_actions.ElementRefused:
        return error_response(request, "policy_violation", "Trigger the content security policy of the platform")
    task = kling_element_task(element, request=request)
    return envelope(request, {name: task[name] for name in ("task_id", "task_status", "task_status_msg", "task_info",
                                                             "created_at", "updated_at")})


@door_route(GET=ApiKeyScope.READ)
def element_detail(request, key, task_id):
    """GET one element task by its task_id, external_task_id or element_id; another team's is 1203, as a missing one."""
    element = element_actions.element_for_team(key.team, task_id, include_deleted=True)
    if element is None:
        return error_response(request, "not_found", "Requested resource does not exist")
    return envelope(request, kling_element_task(element, request=request))


@door_route(GET=ApiKeyScope.READ)
def preset_elements(request, key):
    """GET the provider's preset elements: this studio offers none, so every valid page is empty."""
    _page_param(request, "pageNum", 1, 1000)
    _page_param(request, "pageSize", 30, 500)
    return envelope(request, [])

@door_route(POST=ApiKeyScope.GENERATE)
def delete_elements(request, key):
    """POST {"element_id"}: delete one of the team's elements (1203 for a missing, deleted or another team's one)."""
    body = parse_json_body(request.body)
    raw = str(body.get("element_id") or "").strip() if isinstance(body, dict) else ""
    if not raw.isdigit():
        raise GenerationError("invalid_request", "Invalid request parameters: element_id is required", field="element_id")
    element = element_actions.element_for_team(key.team, raw)
    if element is None or str(element.element_id) != raw:
        return error_response(request, "not_found", "Requested resource does not exist")
    element_actions.do_delete_element(element, actor=Actor(user=key.created_by, api_key=key), http_request=request)
    return envelope(request, {"element_id": raw, "status": "deleted"})


@require_GET
def element_file(request, task_id, position):
    """One reference image of an element behind an expiring signature (element_image_list's links)."""
    try:
        expires = int(request.GET.get("expires", "0"))
    except ValueError:
        expires = 0
    signature = request.GET.get("signature", "").encode()
    if expires < time.time() or not hmac.compare_digest(signature, element_file_signature(task_id, position, expires).encode()):
        raise Http404("This link is invalid or has expired.")
    parsed = as_uuid(task_id)
    image = ElementImage.objects.select_related("element").filter(element__task_id=parsed, position=position).first() if parsed else None
    if image is None or image.element.images_withheld:
        raise Http404("No such file.")
    return FileResponse(image.file.open("rb"), content_type=image.content_type)
