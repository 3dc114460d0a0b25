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


def validate_generation_request(data: dict, *, default_model: str) -> GenerationRequest:
    kind = data.get("kind") or TEXT2VIDEO
    if kind not in KINDS:
        raise GenerationError("invalid_kind", f"kind must be one of: {', '.join(KINDS)}.", field="kind")
    if kind == IMAGE2VIDEO:
        raise GenerationError(
            "kind_not_available", "image2video is not available yet; use text2video.", field="kind", http_status=400
        )

    prompt = _text(data, "prompt")
    if not prompt:
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

    aspect_ratio = data.get("aspect_ratio") or "16:9"
    if aspect_ratio not in ASPECT_RATIOS:
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

    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name=model_name,
        duration=duration,
        mode=mode,
        aspect_ratio=aspect_ratio,
        cfg_scale=cfg_scale,
    )
