"""What a generation costs, in credits: one table, overridable by the CREDIT_PRICES setting."""

import math

from django.conf import settings

from generations.catalog import (
    AVATAR,
    EXTEND_SECONDS,
    IMAGE_EXPAND,
    IMAGE_GENERATION,
    IMAGE_KIND_MODELS,
    LIP_SYNC,
    MODELS,
    MOTION_CONTROL,
    MOTION_MODELS,
    MULTI_ELEMENTS,
    MULTI_ELEMENTS_MODELS,
    MULTI_IMAGE2IMAGE,
    OMNI_IMAGE,
    OMNI_MODELS,
    OMNI_VIDEO,
    TEXT_TO_AUDIO,
    VIDEO_EXTEND,
    VIDEO_TO_AUDIO,
)

# Credits per 5 seconds of output, by model and mode. Ten credits are one upstream "unit" (Kling bills
# std 5 s = 1 unit, pro 5 s = 3.5 units, the v2 master models 10 units).
DEFAULT_PRICES = {
    "kling-v1": {"std": 10, "pro": 35},
    "kling-v1-5": {"std": 10, "pro": 35},
    "kling-v1-6": {"std": 10, "pro": 35},
    "kling-v2-master": {"std": 100, "pro": 100},
    "kling-v2-1": {"std": 10, "pro": 35},
    "kling-v2-1-master": {"std": 100, "pro": 100},
    "kling-v2-5-turbo": {"std": 15, "pro": 35},
    "kling-v2-6": {"std": 15, "pro": 50},
    "kling-v3": {"std": 20, "pro": 60},
    # Lip-sync re-voices an existing clip: billed per 5 s of that clip, whatever model made it.
    "lip-sync": {"std": 5, "pro": 5},
    # An avatar animates a still portrait for as long as the speech lasts: billed per 5 s of that speech
    # (the uploaded audio's length, or the spoken text's estimate, catalog.spoken_seconds), std 1 upstream
    # unit and pro 2 units per 5 s, as the simulator deducts.
    AVATAR: {"std": 10, "pro": 20},
    # omni-video, per 5 s of the clip it makes (a base edit's length is its clip's): 3 upstream units in std
    # and 4 in pro, as the simulator deducts. The contract gives no figure: these are the studio's own.
    "kling-video-o1": {"std": 30, "pro": 40},
    "kling-v3-omni": {"std": 30, "pro": 40},
    # motion-control, per 5 s of the clip it makes (as long as its motion clip), on either model: 2 upstream units
    # in std and 3 in pro, as the simulator deducts. The contract gives no figure: these are the studio's own.
    MOTION_CONTROL: {"std": 20, "pro": 30},
    # multi-elements (video→video editing on kling-v1-6), per 5 s of the clip it makes (5 or 10): 3 upstream units in
    # std and 5 in pro, as the simulator deducts (selection calls are free). No published figure: the studio's own.
    MULTI_ELEMENTS: {"std": 30, "pro": 50},
    # images/generations, per image (× n), on every image model: the studio's own figure (no source gives one);
    # the simulator deducts 0.2 units an image.
    IMAGE_GENERATION: {"std": 2},
    # The rest of the image family, per image (× n), on each kind's models: the studio's own figures (no source
    # gives one). Outpainting redraws the most pixels and omni-image reads up to 7 references: 3 an image each;
    # multi-image to image 2, as a plain image.
    IMAGE_EXPAND: {"std": 3},
    OMNI_IMAGE: {"std": 3},
    MULTI_IMAGE2IMAGE: {"std": 2},
}
# Sound, per started 5 s of audio (text-to-audio: its duration; video-to-audio: its clip's length): the studio's
# own figures (no source gives one); the simulator deducts 0.3 and 0.4 units per started 5 s.
DEFAULT_PRICES.update({TEXT_TO_AUDIO: {"std": 3}, VIDEO_TO_AUDIO: {"std": 4}})


def price_table(overrides=None):
    table = {model: dict(modes) for model, modes in DEFAULT_PRICES.items()}
    for model, modes in (overrides if overrides is not None else settings.CREDIT_PRICES).items():
        table.setdefault(model, {}).update(modes)
    return table


def price_credits(model_name: str, mode: str, duration: str | int, *, table=None) -> int:
    """Credits for one clip: the per-5-seconds price scaled to the duration, rounded up."""
    table = table if table is not None else price_table()
    if model_name not in table or model_name not in MODELS:
        raise ValueError(f"no price for model {model_name!r}")
    if mode not in table[model_name]:
        raise ValueError(f"no price for {model_name} in mode {mode!r}")
    seconds = int(duration)
    if seconds <= 0:
        raise ValueError("duration must be positive")
    return math.ceil(table[model_name][mode] * seconds / 5)


# Native audio (`sound: on`). The contract gives no price for it, so a plain rule: a clip with sound costs half
# as much again as the same clip silent (rounded up), in any mode. (kling-v2-6 makes sound only in pro mode, so
# there it is 1.5 × the pro price.) Multi-shot costs nothing extra: the clip is priced by its total duration.
SOUND_MULTIPLIER = 1.5


def price_generation(
    kind: str, model_name: str, mode: str, seconds: str | int, *, sound: bool = False, images: int = 1, table=None
) -> int:
    """Credits for a generation of any kind. An extend pays for the seconds it adds at its parent's model
    and mode; a lip-sync pays by the length of the clip it re-voices; an avatar by the length of its speech
    in its mode (rounded up to the credit); an image kind per image × `images` (its n); everything else
    by model × duration (× SOUND_MULTIPLIER with sound on)."""
    if kind in (TEXT_TO_AUDIO, VIDEO_TO_AUDIO):
        return _sound_price(kind, seconds, table)
    if kind in IMAGE_KIND_MODELS:
        table = table if table is not None else price_table()
        per_image = table.get(kind, DEFAULT_PRICES[kind]).get("std") if model_name in IMAGE_KIND_MODELS[kind] else None
        if per_image is None:
            raise ValueError(f"no price for images on {model_name!r}")
        return per_image * max(1, int(images))
    if kind == AVATAR:
        table = table if table is not None else price_table()
        per_5s = table.get(AVATAR, DEFAULT_PRICES[AVATAR]).get(mode)
        if per_5s is None:
            raise ValueError(f"no price for an avatar in mode {mode!r}")
        return math.ceil(per_5s * max(1, int(seconds)) / 5)
    if kind == OMNI_VIDEO:
        table = table if table is not None else price_table()
        per_5s = table.get(model_name, {}).get(mode) if model_name in OMNI_MODELS else None
        if per_5s is None:
            raise ValueError(f"no price for omni-video on {model_name!r} in mode {mode!r}")
        return math.ceil(per_5s * max(1, int(seconds)) / 5)
    if kind == MOTION_CONTROL:
        table = table if table is not None else price_table()
        per_5s = table.get(MOTION_CONTROL, DEFAULT_PRICES[MOTION_CONTROL]).get(mode) if model_name in MOTION_MODELS else None
        if per_5s is None:
            raise ValueError(f"no price for motion control on {model_name!r} in mode {mode!r}")
        return math.ceil(per_5s * max(1, int(seconds)) / 5)
    if kind == MULTI_ELEMENTS:
        table = table if table is not None else price_table()
        per_5s = table.get(MULTI_ELEMENTS, DEFAULT_PRICES[MULTI_ELEMENTS]).get(mode) if model_name in MULTI_ELEMENTS_MODELS else None
        if per_5s is None:
            raise ValueError(f"no price for multi-elements editing on {model_name!r} in mode {mode!r}")
        return math.ceil(per_5s * max(1, int(seconds)) / 5)
    if kind == LIP_SYNC:
        table = table if table is not None else price_table()
        per_5s = table.get("lip-sync", DEFAULT_PRICES["lip-sync"])["std"]
        return math.ceil(per_5s * max(1, int(seconds)) / 5)
    if kind == VIDEO_EXTEND:
        seconds = EXTEND_SECONDS
    credits = price_credits(model_name, mode, seconds, table=table)
    return math.ceil(credits * SOUND_MULTIPLIER) if sound else credits


def _sound_price(kind: str, seconds: str | int | float, table=None) -> int:
    """A sound kind's credits: its per-5-seconds price for every started 5 s of the audio it makes."""
    table = table if table is not None else price_table()
    per_5s = table.get(kind, DEFAULT_PRICES[kind]).get("std")
    seconds = float(seconds or 0)
    if per_5s is None or seconds <= 0:
        raise ValueError(f"no price for {kind} of {seconds} s")
    return per_5s * math.ceil(seconds / 5 - 1e-9)
