"""Request validation for text2video / image2video, with the upstream's codes and wording.

Pure except for `fetch`, the callable that downloads an image URL (injected by the app).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PIL import Image

T2V_MODELS = (
    "kling-v1",
    "kling-v1-6",
    "kling-v2-master",
    "kling-v2-1-master",
    "kling-v2-5-turbo",
    "kling-v2-6",
    "kling-v3",
)
I2V_MODELS = (
    "kling-v1",
    "kling-v1-5",
    "kling-v1-6",
    "kling-v2-master",
    "kling-v2-1",
    "kling-v2-1-master",
    "kling-v2-5-turbo",
    "kling-v2-6",
    "kling-v3",
)
DEFAULT_MODEL = "kling-v1"
MODES = ("std", "pro")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
CAMERA_TYPES = ("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward")
CAMERA_AXES = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
MAX_PROMPT_CHARS = 2500
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 300
MAX_IMAGE_ASPECT = 2.5
MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs before decoding

# Synchronous content-security refusals (code 1301). Only the prompt is screened: a negative prompt that
# names what to avoid ("nudity, gore") is guidance, not a request for it.
BLOCKED_PROMPT = re.compile(r"\b(?:explicit\s+sex\w*|porn\w*|nudes?|naked|gore|nsfw)\b", re.IGNORECASE)
CONTENT_POLICY_MESSAGE = "Trigger the content security policy of the platform"


class ApiError(Exception):
    """An answer in the upstream's error envelope: HTTP status, business code, message."""

    def __init__(self, http_status: int, code: int, message: str):
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, 1201, message)


@dataclass
class CreateRequest:
    kind: str  # "text2video" | "image2video"
    model_name: str
    prompt: str
    negative_prompt: str
    mode: str
    aspect_ratio: str
    duration: str
    cfg_scale: float | None = None
    camera_control: dict | None = None
    sound: str = "off"
    watermark: bool = False
    callback_url: str | None = None
    external_task_id: str | None = None
    image: Image.Image | None = field(default=None, repr=False)
    image_tail: Image.Image | None = field(default=None, repr=False)

    @property
    def duration_s(self) -> float:
        return float(self.duration)


def validate_create(kind: str, body, fetch: Callable[[str], bytes] | None = None) -> CreateRequest:
    """Validate a create body; raise ApiError on the first violation."""
    if not isinstance(body, dict):
        raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
    model_name = _model_name(kind, body)
    prompt = _text(body, "prompt")
    if kind == "text2video" and not prompt.strip() and not _custom_multi_shot(body):
        raise invalid("prompt is required")
    negative_prompt = _text(body, "negative_prompt")
    mode = _choice(body, "mode", MODES, "std")
    aspect_ratio = _choice(body, "aspect_ratio", ASPECT_RATIOS, "16:9") if kind == "text2video" else ""
    duration = _duration(body, model_name)
    cfg_scale = _cfg_scale(body, model_name)
    if kind == "image2video":
        has_masks = _present(body, "static_mask") or _present(body, "dynamic_masks")
        if sum((_present(body, "image_tail"), has_masks, _present(body, "camera_control"))) > 1:
            raise invalid("image_tail, static_mask/dynamic_masks and camera_control cannot be used together")
    camera_control = _camera_control(kind, body, model_name, mode, duration)
    sound = _choice(body, "sound", ("on", "off"), "off")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)

    image = image_tail = None
    if kind == "image2video":
        has_image, has_tail = _present(body, "image"), _present(body, "image_tail")
        if not has_image and not has_tail:
            raise invalid("image or image_tail is required")
        _masks(body)
        image = _image(body, "image", fetch) if has_image else None
        image_tail = _image(body, "image_tail", fetch) if has_tail else None

    if BLOCKED_PROMPT.search(prompt):
        raise ApiError(400, 1301, CONTENT_POLICY_MESSAGE)

    return CreateRequest(
        kind=kind,
        model_name=model_name,
        prompt=prompt,
        negative_prompt=negative_prompt,
        mode=mode,
        aspect_ratio=aspect_ratio,
        duration=duration,
        cfg_scale=cfg_scale,
        camera_control=camera_control,
        sound=sound,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
        image=image,
        image_tail=image_tail,
    )


def _present(body: dict, name: str) -> bool:
    return body.get(name) not in (None, "", [], {})


def _model_name(kind: str, body: dict) -> str:
    # The legacy `model` field is accepted but ignored: the upstream behaves as if model_name were empty.
    value = body.get("model_name")
    if value in (None, ""):
        return DEFAULT_MODEL
    if not isinstance(value, str):
        raise invalid("model_name must be a string")
    allowed = T2V_MODELS if kind == "text2video" else I2V_MODELS
    if value not in allowed:
        if value in T2V_MODELS + I2V_MODELS:
            raise invalid(f"model_name {value} does not support {kind}")
        raise invalid(f"model_name must be one of: {', '.join(allowed)}")
    return value


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if len(value) > MAX_PROMPT_CHARS:
        raise invalid(f"{name} cannot be longer than {MAX_PROMPT_CHARS} characters")
    return value


def _custom_multi_shot(body: dict) -> bool:
    return body.get("multi_shot") is True and body.get("shot_type") == "customize" and bool(body.get("multi_prompt"))


def _choice(body: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value in (None, ""):
        return default
    if value not in allowed:
        raise invalid(f"{name} must be one of: {', '.join(allowed)}")
    return value


def allowed_durations(model_name: str) -> tuple[str, ...]:
    if model_name == "kling-v3":
        return tuple(str(seconds) for seconds in range(3, 16))
    return ("5", "10")


def _duration(body: dict, model_name: str) -> str:
    value = body.get("duration")
    if value in (None, ""):
        return "5"
    allowed = allowed_durations(model_name)
    if not isinstance(value, str):
        raise invalid(f'duration must be a string, one of: {", ".join(allowed)} (e.g. "5", not 5)')
    if value not in allowed:
        raise invalid(f"duration must be one of: {', '.join(allowed)} for {model_name}")
    return value


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cfg_scale(body: dict, model_name: str) -> float | None:
    value = body.get("cfg_scale")
    if value is None:
        return None
    if model_name.startswith("kling-v2"):
        raise invalid(f"cfg_scale is not supported: kling-v2.x models do not support this parameter ({model_name})")
    if not _number(value) or not 0.0 <= value <= 1.0:
        raise invalid("cfg_scale must be a number between 0 and 1")
    return float(value)


def _camera_control(kind: str, body: dict, model_name: str, mode: str, duration: str) -> dict | None:
    value = body.get("camera_control")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("camera_control must be an object")
    camera_type = value.get("type")
    if camera_type not in CAMERA_TYPES:
        raise invalid(f"camera_control.type must be one of: {', '.join(CAMERA_TYPES)}")
    if camera_type == "simple":
        config = value.get("config")
        if not isinstance(config, dict):
            raise invalid("camera_control.config is required when camera_control.type is simple")
        unknown = sorted(set(config) - set(CAMERA_AXES))
        if unknown:
            raise invalid(f"camera_control.config has unknown keys: {', '.join(unknown)}")
        non_zero = 0
        for axis in CAMERA_AXES:
            amount = config.get(axis, 0)
            if amount is None:
                amount = 0
            if not _number(amount) or not -10 <= amount <= 10:
                raise invalid(f"camera_control.config.{axis} must be a number between -10 and 10")
            non_zero += amount != 0
        if non_zero != 1:
            raise invalid("camera_control.config must have exactly one non-zero value")
    # Capability map: T2V camera control is kling-v1 std 5 s only; I2V is kling-v1-5 pro 5 s only.
    if kind == "text2video" and (model_name, mode, duration) != ("kling-v1", "std", "5"):
        raise invalid("camera_control is only supported in std mode with 5s duration and kling-v1")
    if kind == "image2video" and (model_name, mode, duration) != ("kling-v1-5", "pro", "5"):
        raise invalid("camera_control is only supported in pro mode with 5s duration and kling-v1-5")
    return value


def _watermark(body: dict) -> bool:
    value = body.get("watermark_info")
    if value is None:
        return False
    if not isinstance(value, dict) or not isinstance(value.get("enabled", False), bool):
        raise invalid('watermark_info must be an object like {"enabled": false}')
    return value.get("enabled", False)


def _callback_url(body: dict) -> str | None:
    value = body.get("callback_url")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid("callback_url must be a string")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("callback_url must be an http(s) URL")
    return value


def _external_task_id(body: dict) -> str | None:
    value = body.get("external_task_id")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid("external_task_id must be a string")
    if "/" in value:
        raise invalid("external_task_id cannot contain '/'")
    return value


def _masks(body: dict) -> None:
    static_mask = body.get("static_mask")
    if static_mask is not None and not isinstance(static_mask, str):
        raise invalid("static_mask must be an image URL or Base64 string")
    dynamic_masks = body.get("dynamic_masks")
    if dynamic_masks is None:
        return
    if not isinstance(dynamic_masks, list) or len(dynamic_masks) > 6:
        raise invalid("dynamic_masks must be a list of at most 6 groups")
    for group in dynamic_masks:
        trajectories = group.get("trajectories") if isinstance(group, dict) else None
        if not isinstance(group, dict) or not isinstance(group.get("mask"), str) or not isinstance(trajectories, list):
            raise invalid("each dynamic_masks group needs a mask and a trajectories list")
        if not 2 <= len(trajectories) <= 77:
            raise invalid("dynamic_masks trajectories must have between 2 and 77 points")


def _image(body: dict, name: str, fetch: Callable[[str], bytes] | None) -> Image.Image:
    value = body[name]
    if not isinstance(value, str):
        raise invalid(f"{name} must be an image URL or a Base64 string")
    value = value.strip()
    if value.lower().startswith("data:"):
        raise invalid(f"{name} must be raw Base64 without the data:image/...;base64, prefix")
    if value.lower().startswith(("http://", "https://")):
        if fetch is None:
            raise invalid(f"{name} could not be downloaded from its URL")
        data = fetch(value)
    else:
        # 4 Base64 characters carry 3 bytes: refuse oversized input before decoding it.
        if len(value) > (MAX_IMAGE_BYTES // 3 + 1) * 4 + 64:
            raise invalid(f"{name} cannot be larger than 10MB")
        try:
            data = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise invalid(f"{name} must be an http(s) URL or valid Base64") from None
    return decode_image(name, data)


def decode_image(name: str, data: bytes) -> Image.Image:
    if len(data) > MAX_IMAGE_BYTES:
        raise invalid(f"{name} cannot be larger than 10MB")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise invalid(f"{name} format must be jpg, jpeg or png")
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise invalid(f"{name} resolution is too large")
        image.load()
    except ApiError:
        raise
    except Exception:
        raise invalid(f"{name} could not be decoded as an image") from None
    if width < MIN_IMAGE_SIDE or height < MIN_IMAGE_SIDE:
        raise invalid(f"{name} width and height must be at least {MIN_IMAGE_SIDE}px (got {width}x{height})")
    if max(width / height, height / width) > MAX_IMAGE_ASPECT:
        raise invalid(f"{name} aspect ratio must be between 1:2.5 and 2.5:1 (got {width}x{height})")
    return image
