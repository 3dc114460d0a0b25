"""What the upstream models can do (shared/KLING_API.md §3), as data, and the request validation built on it.

Everything here is pure: no database, no network. Invalid combinations are refused before any upstream
call, with the upstream's own wording where it has one.
"""

from dataclasses import dataclass, field

from .errors import GenerationError

MAX_PROMPT_CHARS = 2500

TEXT2VIDEO = "text2video"
IMAGE2VIDEO = "image2video"
KINDS = (TEXT2VIDEO, IMAGE2VIDEO)

MODES = ("std", "pro")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
CLASSIC_DURATIONS = ("5", "10")
V3_DURATIONS = tuple(str(n) for n in range(3, 16))


@dataclass(frozen=True)
class ModelSpec:
    name: str
    text2video: bool
    image2video: bool
    durations: tuple = CLASSIC_DURATIONS
    cfg_scale: bool = False


MODELS = {
    spec.name: spec
    for spec in [
        ModelSpec("kling-v1", text2video=True, image2video=True, cfg_scale=True),
        ModelSpec("kling-v1-5", text2video=False, image2video=True, cfg_scale=True),
        ModelSpec("kling-v1-6", text2video=True, image2video=True, cfg_scale=True),
        ModelSpec("kling-v2-master", text2video=True, image2video=True),
        ModelSpec("kling-v2-1", text2video=False, image2video=True),
        ModelSpec("kling-v2-1-master", text2video=True, image2video=True),
        ModelSpec("kling-v2-5-turbo", text2video=True, image2video=True),
        ModelSpec("kling-v2-6", text2video=True, image2video=True),
        ModelSpec("kling-v3", text2video=True, image2video=True, durations=V3_DURATIONS),
    ]
}


CAMERA_TYPES = ("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward")
CAMERA_AXES = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
# Where the capability map allows camera control: (kind, model, mode, duration).
CAMERA_CONTROL_ALLOWED = {
    (TEXT2VIDEO, "kling-v1", "std", "5"),
    (IMAGE2VIDEO, "kling-v1-5", "pro", "5"),
}
# End frames (image_tail): which models take them, in which modes (kling-v1 only for 5 s clips).
IMAGE_TAIL_MODES = {
    "kling-v1": ("std", "pro"),
    "kling-v1-5": ("pro",),
    "kling-v1-6": ("pro",),
    "kling-v2-1": ("pro",),
    "kling-v2-5-turbo": ("pro",),
    "kling-v2-6": ("pro",),
    "kling-v3": ("std", "pro"),
}


@dataclass(frozen=True)
class GenerationRequest:
    """A validated, normalised request: what the studio will ask the upstream for."""

    kind: str
    prompt: str
    model_name: str
    duration: str
    mode: str = "std"
    aspect_ratio: str = "16:9"
    negative_prompt: str = ""
    cfg_scale: float | None = None
    camera_control: dict | None = None
    # Checked input images (generations.images.InputImage) for image→video.
    image: object = None
    image_tail: object = None
    client_reference: str = ""
    callback_url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def duration_seconds(self) -> int:
        return int(self.duration)


def _text(data, name):
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise GenerationError("invalid_field_type", f"{name} must be a string.", field=name)
    return value.strip()


def _refuse_nul_characters(data):
    for name, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            raise GenerationError("invalid_characters", f"{name} contains a NUL character.", field=name)


def validate_generation_request(data: dict, *, default_model: str) -> GenerationRequest:
    _refuse_nul_characters(data)
    kind = data.get("kind") or TEXT2VIDEO
    if kind not in KINDS:
        raise GenerationError("invalid_kind", f"kind must be one of: {', '.join(KINDS)}.", field="kind")
    prompt = _text(data, "prompt")
    if not prompt and kind == TEXT2VIDEO:
        raise GenerationError("prompt_required", "A prompt is required.", field="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise GenerationError(
            "prompt_too_long",
            f"prompt cannot be longer than {MAX_PROMPT_CHARS} characters; was {len(prompt)}.",
            field="prompt",
        )
    negative_prompt = _text(data, "negative_prompt")
    if len(negative_prompt) > MAX_PROMPT_CHARS:
        raise GenerationError(
            "negative_prompt_too_long",
            f"negative_prompt cannot be longer than {MAX_PROMPT_CHARS} characters; was {len(negative_prompt)}.",
            field="negative_prompt",
        )

    model_name = data.get("model") or data.get("model_name") or default_model
    spec = MODELS.get(model_name) if isinstance(model_name, str) else None
    if spec is None:
        raise GenerationError(
            "invalid_model", f"Unknown model {str(model_name)[:40]!r}; choose one of: {', '.join(MODELS)}.", field="model"
        )
    if kind == TEXT2VIDEO and not spec.text2video:
        raise GenerationError("model_not_capable", f"{model_name} does not do text-to-video.", field="model")
    if kind == IMAGE2VIDEO and not spec.image2video:
        raise GenerationError("model_not_capable", f"{model_name} does not do image-to-video.", field="model")

    duration = data.get("duration", "5")
    # A JSON number is a common slip; accept whole numbers, send the upstream its string.
    if isinstance(duration, int) and not isinstance(duration, bool):
        duration = str(duration)
    if not isinstance(duration, str) or duration not in spec.durations:
        raise GenerationError(
            "invalid_duration",
            f"duration must be one of {', '.join(spec.durations)} (seconds, as a string) for {model_name}.",
            field="duration",
        )

    mode = data.get("mode") or "std"
    if mode not in MODES:
        raise GenerationError("invalid_mode", "mode must be std or pro.", field="mode")

    # image→video has no aspect_ratio upstream: the clip follows the input image.
    aspect_ratio = data.get("aspect_ratio") or "16:9"
    if kind == TEXT2VIDEO and aspect_ratio not in ASPECT_RATIOS:
        raise GenerationError(
            "invalid_aspect_ratio", f"aspect_ratio must be one of: {', '.join(ASPECT_RATIOS)}.", field="aspect_ratio"
        )

    cfg_scale = data.get("cfg_scale")
    if cfg_scale is not None:
        if isinstance(cfg_scale, bool) or not isinstance(cfg_scale, (int, float)) or not 0 <= cfg_scale <= 1:
            raise GenerationError("invalid_cfg_scale", "cfg_scale must be a number from 0 to 1.", field="cfg_scale")
        if not spec.cfg_scale:
            raise GenerationError(
                "cfg_scale_not_supported", f"{model_name} does not support cfg_scale.", field="cfg_scale"
            )
        cfg_scale = float(cfg_scale)

    camera_control = _camera_control(data.get("camera_control"), kind=kind, model_name=model_name, mode=mode, duration=duration)
    image, image_tail = data.get("image"), data.get("image_tail")
    if kind == IMAGE2VIDEO:
        if image is None and image_tail is None:
            raise GenerationError("image_required", "image→video needs an image (or an end frame, image_tail).", field="image")
        if image_tail is not None:
            if camera_control is not None:
                raise GenerationError(
                    "options_conflict", "image_tail, dynamic_masks/static_mask and camera_control are mutually exclusive.", field="image_tail"
                )
            modes = IMAGE_TAIL_MODES.get(model_name, ())
            if mode not in modes or (model_name == "kling-v1" and duration != "5"):
                raise GenerationError(
                    "image_tail_not_supported",
                    f"An end frame (image_tail) is not supported by {model_name} in {mode} mode with {duration} s.",
                    field="image_tail",
                )
    elif image is not None or image_tail is not None:
        raise GenerationError("image_not_applicable", "Images are only used by image2video.", field="image")

    client_reference = data.get("external_task_id") or data.get("client_reference") or ""
    if not isinstance(client_reference, str) or len(client_reference) > 64:
        raise GenerationError("invalid_external_task_id", "external_task_id must be text of at most 64 characters.", field="external_task_id")
    callback_url = data.get("callback_url") or ""
    if not isinstance(callback_url, str) or len(callback_url) > 500 or (
        callback_url and not callback_url.lower().startswith(("http://", "https://"))
    ):
        raise GenerationError("invalid_callback_url", "callback_url must be an http(s) URL of at most 500 characters.", field="callback_url")

    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name=model_name,
        duration=duration,
        mode=mode,
        aspect_ratio=aspect_ratio if kind == TEXT2VIDEO else "",
        cfg_scale=cfg_scale,
        camera_control=camera_control,
        image=image if kind == IMAGE2VIDEO else None,
        image_tail=image_tail if kind == IMAGE2VIDEO else None,
        client_reference=client_reference,
        callback_url=callback_url,
    )


def _camera_control(value, *, kind, model_name, mode, duration):
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in CAMERA_TYPES:
        raise GenerationError(
            "invalid_camera_control", f"camera_control.type must be one of: {', '.join(CAMERA_TYPES)}.", field="camera_control"
        )
    if (kind, model_name, mode, duration) not in CAMERA_CONTROL_ALLOWED:
        where = "std mode with 5s duration and kling-v1" if kind == TEXT2VIDEO else "pro mode with 5s duration and kling-v1-5"
        raise GenerationError(
            "camera_control_not_supported", f"camera_control is only supported in {where}", field="camera_control"
        )
    control = {"type": value["type"]}
    if value["type"] == "simple":
        config = value.get("config")
        if not isinstance(config, dict) or set(config) - set(CAMERA_AXES):
            raise GenerationError(
                "invalid_camera_control", f"camera_control.config takes the axes {', '.join(CAMERA_AXES)}.", field="camera_control"
            )
        axes = {}
        for axis in CAMERA_AXES:
            amount = config.get(axis, 0)
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not -10 <= amount <= 10:
                raise GenerationError(
                    "invalid_camera_control", f"camera_control.config.{axis} must be a number from -10 to 10.", field="camera_control"
                )
            axes[axis] = float(amount)
        if sum(1 for amount in axes.values() if amount != 0) != 1:
            raise GenerationError(
                "invalid_camera_control", "camera_control.config needs exactly one non-zero axis.", field="camera_control"
            )
        control["config"] = axes
    return control
