"""Request validation for every task kind, with the upstream's codes and wording.

Pure except for what the app injects: `fetch` (downloads a URL the client named) and `find_video` (looks
up a video id the simulator returned earlier). Decoding media inputs happens here too, because a file
that does not decode, or is too long, is refused at create time with 1201 like any other bad parameter.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PIL import Image

from .media import AudioClip, MediaError, MediaTooLong, decode_audio, probe_video
from .registry import VideoRecord
from .render_videos import ENVELOPE_HZ, speech_envelope

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
# Native audio and multi-shot (KLING_API.md §3.1): sound on kling-v2-6 needs pro; multi_shot is kling-v3's.
SOUND_MODES = {"kling-v2-6": ("pro",), "kling-v3": ("std", "pro")}
MULTI_SHOT_MODELS = ("kling-v3",)
MAX_SHOTS = 6
MAX_SHOT_PROMPT_CHARS = 512
MODES = ("std", "pro")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
CAMERA_TYPES = ("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward")
CAMERA_AXES = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
MAX_PROMPT_CHARS = 2500
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 300
MAX_IMAGE_ASPECT = 2.5
MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs before decoding

# video-extend [OFF]: only V1.0/1.5/1.6 videos, younger than 30 days; each call adds 4-5 s (the simulator
# always adds exactly 5), and the whole video may not pass 3 minutes.
EXTENDABLE_MODELS = ("kling-v1", "kling-v1-5", "kling-v1-6")
EXTEND_SECONDS = 5.0
MAX_EXTENDED_SECONDS = 180.0
MAX_EXTEND_AGE_MS = 30 * 24 * 3600 * 1000

# lip-sync (legacy): the source video is 2-10 s; speech is either text read by a preset voice or an audio
# file of 2-60 s. The voice ids are a representative subset of the upstream's preset voices.
LIP_SYNC_MODES = ("text2video", "audio2video")
VOICE_IDS = (
    "oversea_male1",
    "uk_boy1",
    "uk_man2",
    "reader_en_m-v1",
    "commercial_lady_en_f-v1",
    "calm_story1",
    "genshin_vindi2",
    "chat1_female_new-3",
)
VOICE_LANGUAGES = ("en", "zh")
AUDIO_TYPES = ("file", "url")
MAX_LIP_SYNC_TEXT_CHARS = 120
VOICE_SPEED_RANGE = (0.8, 2.0)
VIDEO_SECONDS_RANGE = (2.0, 10.0)
AUDIO_SECONDS_RANGE = (2.0, 60.0)
MAX_AUDIO_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
MAX_VIDEO_SIDE = 1920

# effects: single-image scenes take `input.image` and last 5 s; two-person scenes take two images and a
# V1.x model, std or pro, 5 or 10 s.
SINGLE_IMAGE_SCENES = ("bloombloom", "dizzydizzy", "fuzzyfuzzy", "squish", "expansion")
TWO_PERSON_SCENES = ("hug", "kiss", "heart_gesture")
EFFECT_SCENES = SINGLE_IMAGE_SCENES + TWO_PERSON_SCENES
TWO_PERSON_MODELS = ("kling-v1", "kling-v1-5", "kling-v1-6")
TWO_PERSON_DEFAULT_MODEL = "kling-v1-6"

# multi-image2video [OFF]: kling-v1-6 only, 1-4 reference images.
MULTI_IMAGE_MODEL = "kling-v1-6"
MAX_MULTI_IMAGES = 4

# avatar/image2video [OFF]: one portrait (image: URL or Base64) made to speak. The speech is exactly one of
# `sound_file` (an audio file, URL or Base64, 2-60 s), `audio_id` (audio the upstream's TTS made earlier;
# the simulator has no TTS store, so any id is unknown) or, standing in for that TTS step, `text` read by a
# preset voice (as lip-sync's text2video). `prompt` (optional, <=2500) and `mode` std|pro. The clip lasts as
# long as the speech, at least AVATAR_MIN_SECONDS.
AVATAR_KIND = "avatar/image2video"
AVATAR_MIN_SECONDS = 2.0

# omni-video [OFF; WHQ25/rawgenai docs/research/kling/omni-video-o1.md]: model_name kling-video-o1 (and
# kling-v3-omni), a required prompt (<=2500) naming its inputs as <<<image_N>>>, <<<video_N>>>, <<<element_N>>>;
# image_list [{image_url, type: first_frame|end_frame (optional)}] (<=7, <=4 with a video; an end frame needs a
# first frame and at most 2 images), video_list [{video_url, refer_type: feature|base, keep_original_sound:
# yes|no}] (<=1, mp4/mov, 3-10 s), element_list [{element_id}] (images + elements <=7, <=4 with a video; the
# ids the simulator's element library issued and still keeps; any other is unknown), mode std|pro (default pro), aspect_ratio (not with a
# first frame or a base video), duration 3-10 (5|10 for text-only and first-frame clips; a base video's clip
# keeps its length). A reference to an entry that is not there is refused.
OMNI_KIND = "omni-video"
OMNI_MODELS = ("kling-video-o1", "kling-v3-omni")
OMNI_DURATIONS = {"kling-video-o1": tuple(str(n) for n in range(3, 11)), "kling-v3-omni": tuple(str(n) for n in range(3, 16))}
OMNI_VIDEO_SECONDS = (3.0, 10.0)
OMNI_REFERENCE = re.compile(r"<<<(image|video|element)_(\d+)>>>")

# motion-control [cuijinyu/new-api web/src/pages/Documentation/content/kling-motion-control.en.md; KLING_API.md
# §2 for the models]: image_url (URL or raw Base64, the character), video_url (an mp4/mov URL, <=100 MB, at
# least 3 s: the motion), character_orientation image|video (required; the clip may last up to 10 s facing as
# in the image, 30 s as in the video), mode std|pro (required), keep_original_sound yes|no (default yes), prompt
# (optional, <=2500), model_name kling-v2-6 (default) or kling-v3. The clip the result is lasts as long as the
# motion clip.
MOTION_KIND = "motion-control"
MOTION_MODELS = ("kling-v2-6", "kling-v3")
MOTION_ORIENTATIONS = ("image", "video")
MOTION_CLIP_SECONDS = {"image": (3.0, 10.0), "video": (3.0, 30.0)}

# images/generations [OFF; WHQ25/rawgenai docs/research/kling/image-generation.md]: model_name kling-v1 (default),
# kling-v1-5, kling-v2, kling-v2-new, kling-v2-1; prompt (required, <=2500); negative_prompt (<=2500, not with a
# reference image); image (URL or raw Base64, jpg/png, <=10 MB, >=300 px, 1:2.5-2.5:1; kling-v1 takes none, per
# the ComfyUI Kling image node's documentation); image_reference subject|face (kling-v1-5 only, which needs it
# with an image); image_fidelity (0-1, default 0.5); human_fidelity (0-1, default 0.45, only with subject);
# resolution 1k|2k; n 1-9; aspect_ratio of eight shapes. The result is task_result.images [{index, url}].
IMAGE_KIND = "images/generations"
IMAGE_MODELS = ("kling-v1", "kling-v1-5", "kling-v2", "kling-v2-new", "kling-v2-1")
IMAGE_REFERENCE_TYPES = ("subject", "face")
IMAGE_ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
IMAGE_RESOLUTIONS = ("1k", "2k")
MAX_IMAGES = 9

# The rest of the image family [OFF; WHQ25/rawgenai docs/research/kling/image-expand.md, omni-image-o1.md,
# multi-image-to-image.md]. images/editing/expand: image (required), up/down/left/right_expansion_ratio 0-2 (of the
# height or width; the new image at most 3 times the original's area), prompt (optional), n 1-9; no model_name.
# images/omni-image: model_name kling-image-o1, prompt (required, names image_list entries as <<<image_N>>>),
# image_list [{image}] and element_list [{element_id}] (at most 10 together), resolution 1k|2k, n, aspect_ratio
# of the eight shapes or auto. images/multi-image2image: model_name kling-v2 (default) | kling-v2-1, prompt
# (optional), subject_image_list [{subject_image}] 1-4, scene_image, style_image, n, aspect_ratio (default 16:9).
EXPAND_KIND = "images/editing/expand"
OMNI_IMAGE_KIND = "images/omni-image"
MULTI_IMAGE2IMAGE_KIND = "images/multi-image2image"
EXPANSION_SIDES = ("up", "down", "left", "right")
OMNI_IMAGE_MODELS = ("kling-image-o1",)
OMNI_IMAGE_MAX_REFERENCES = 10
MULTI_IMAGE2IMAGE_MODELS = ("kling-v2", "kling-v2-1")
MAX_SUBJECT_IMAGES = 4

# Sound [OFF; WHQ25/rawgenai docs/research/kling/text-to-audio.md, video-to-audio.md]. text-to-audio: prompt
# (required, <=200), duration (required, a number 3.0-10.0 to one decimal). video-to-audio: exactly one of
# video_id (a video the upstream made within 30 days) and video_url (MP4/MOV, <=100 MB), 3.0-20.0 s;
# sound_effect_prompt and bgm_prompt (<=200 each), asmr_mode (boolean). Neither takes model_name. The result is
# task_result.audios [{id, url_mp3, url_wav, duration_mp3, duration_wav}], with task_result.videos (the clip with
# its new soundtrack) for video-to-audio.
TEXT_TO_AUDIO_KIND = "audio/text-to-audio"
VIDEO_TO_AUDIO_KIND = "audio/video-to-audio"
SOUND_PROMPT_CHARS = 200
SOUND_SECONDS = (3.0, 10.0)
SOUND_VIDEO_SECONDS = (3.0, 20.0)
SOUND_VIDEO_BYTES = 100 * 1024 * 1024

# Downloads a URL the client named: fetch(url, field name for messages, byte limit) -> bytes.
Fetch = Callable[[str, str, int], bytes]
FindVideo = Callable[[str], VideoRecord | None]
# Whether element_list may name an element id: one the simulator's library issued and still keeps.
KnownElement = Callable[[object], bool]

# Synchronous content-security refusals (code 1301). Only what the user asks for is screened (prompts,
# lip-sync text): a negative prompt that names what to avoid ("nudity, gore") is guidance, not a request.
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


@dataclass(kw_only=True)
class TaskRequest:
    """What the task store, callbacks, pricing and the video registry read from any kind's request."""

    kind: str
    # The model whose output this is; for a video made from another (extend, lip-sync), the root's.
    model_name: str | None
    mode: str = "std"
    prompt: str = ""
    watermark: bool = False
    callback_url: str | None = None
    external_task_id: str | None = None

    @property
    def duration_s(self) -> float:
        raise NotImplementedError

    def release_inputs(self) -> None:
        """Drop decoded inputs once rendered: a long-running simulator must not keep them."""


@dataclass(kw_only=True)
class CreateRequest(TaskRequest):
    """text2video / image2video."""

    model_name: str
    negative_prompt: str
    aspect_ratio: str
    duration: str
    cfg_scale: float | None = None
    camera_control: dict | None = None
    sound: str = "off"
    shot_type: str = ""  # with multi_shot: customize | intelligence
    shots: list[dict] = field(default_factory=list)  # customize: [{index, prompt, duration}] in order
    image: Image.Image | None = field(default=None, repr=False)
    image_tail: Image.Image | None = field(default=None, repr=False)

    @property
    def duration_s(self) -> float:
        return float(self.duration)

    def release_inputs(self) -> None:
        self.image = self.image_tail = None


@dataclass(kw_only=True)
class ExtendRequest(TaskRequest):
    """video-extend: the parent video plus EXTEND_SECONDS."""

    parent: VideoRecord
    negative_prompt: str = ""
    cfg_scale: float | None = None

    @property
    def duration_s(self) -> float:
        return round(self.parent.duration_s + EXTEND_SECONDS, 3)


@dataclass(kw_only=True)
class LipSyncRequest(TaskRequest):
    """lip-sync: a source video (by id or URL) and the speech it should mouth."""

    input_mode: str  # text2video | audio2video (the body's input.mode)
    source_duration_s: float
    source_record: VideoRecord | None = None  # when the body named input.video_id
    source_video: bytes | None = field(default=None, repr=False)  # when it named input.video_url
    text: str = ""
    voice_id: str = ""
    voice_language: str = "en"
    voice_speed: float = 1.0
    audio: AudioClip | None = field(default=None, repr=False)

    @property
    def duration_s(self) -> float:
        return self.source_duration_s

    def release_inputs(self) -> None:
        self.source_video = None
        self.audio = None


@dataclass(kw_only=True)
class AvatarRequest(TaskRequest):
    """avatar/image2video: the portrait and its speech (decoded audio, or text with a voice)."""

    speech_seconds: float
    image: Image.Image | None = field(default=None, repr=False)
    text: str = ""
    voice_id: str = ""
    voice_language: str = "en"
    voice_speed: float = 1.0
    audio: AudioClip | None = field(default=None, repr=False)

    @property
    def duration_s(self) -> float:
        return max(AVATAR_MIN_SECONDS, round(self.speech_seconds, 3))

    def release_inputs(self) -> None:
        self.image = None
        self.audio = None


@dataclass(kw_only=True)
class OmniRequest(TaskRequest):
    """omni-video: the decoded images (with their types), the clip (bytes) and how it is used."""

    duration: str = ""
    aspect_ratio: str = ""
    images: list[Image.Image] = field(default_factory=list, repr=False)
    image_types: list[str] = field(default_factory=list)
    video: bytes | None = field(default=None, repr=False)
    video_seconds: float = 0.0
    refer_type: str = ""
    keep_original_sound: str = "no"

    @property
    def duration_s(self) -> float:
        if self.refer_type == "base":
            return round(self.video_seconds, 3)
        return float(self.duration)

    def release_inputs(self) -> None:
        self.images = []
        self.video = None


@dataclass(kw_only=True)
class MotionRequest(TaskRequest):
    """motion-control: the character image, the motion clip (bytes) and how its motion is applied."""

    image: Image.Image | None = field(default=None, repr=False)
    video: bytes | None = field(default=None, repr=False)
    video_seconds: float = 0.0
    character_orientation: str = "image"
    keep_original_sound: str = "yes"

    @property
    def duration_s(self) -> float:
        return round(self.video_seconds, 3)

    def release_inputs(self) -> None:
        self.image = None
        self.video = None


@dataclass(kw_only=True)
class ImageGenerationRequest(TaskRequest):
    """images/generations: n stills at an aspect ratio, optionally from a reference image."""

    negative_prompt: str = ""
    aspect_ratio: str = "16:9"
    resolution: str = "1k"
    count: int = 1
    image: Image.Image | None = field(default=None, repr=False)
    image_reference: str = ""
    image_fidelity: float = 0.5
    human_fidelity: float = 0.45

    @property
    def duration_s(self) -> float:
        return 0.0

    def release_inputs(self) -> None:
        self.image = None


@dataclass(kw_only=True)
class ExpandRequest(ImageGenerationRequest):
    """images/editing/expand: the image grown by a ratio on each side ((up, down, left, right))."""

    ratios: tuple = (0.0, 0.0, 0.0, 0.0)


@dataclass(kw_only=True)
class OmniImageRequest(ImageGenerationRequest):
    """images/omni-image: stills from a prompt naming the images of image_list."""

    images: list = field(default_factory=list, repr=False)

    def release_inputs(self) -> None:
        self.images = []


@dataclass(kw_only=True)
class MultiImage2ImageRequest(ImageGenerationRequest):
    """images/multi-image2image: subjects, optionally in a scene and a style."""

    subjects: list = field(default_factory=list, repr=False)
    scene: Image.Image | None = field(default=None, repr=False)
    style: Image.Image | None = field(default=None, repr=False)

    def release_inputs(self) -> None:
        self.subjects, self.scene, self.style = [], None, None


@dataclass(kw_only=True)
class TextToAudioRequest(TaskRequest):
    """audio/text-to-audio: a sound described by the prompt, `seconds` long."""

    seconds: float

    @property
    def duration_s(self) -> float:
        return self.seconds


@dataclass(kw_only=True)
class VideoToAudioRequest(TaskRequest):
    """audio/video-to-audio: a soundtrack for a clip (by id or URL), as long as the clip."""

    source_duration_s: float
    source_record: VideoRecord | None = None  # when the body named video_id
    source_video: bytes | None = field(default=None, repr=False)  # when it named video_url
    sound_effect_prompt: str = ""
    bgm_prompt: str = ""
    asmr_mode: bool = False

    @property
    def duration_s(self) -> float:
        return self.source_duration_s

    def release_inputs(self) -> None:
        self.source_video = None


@dataclass(kw_only=True)
class _ImagesRequest(TaskRequest):
    """A kind rendered from input images for a requested duration (effects, multi-image2video)."""

    duration: str
    images: list[Image.Image] = field(default_factory=list, repr=False)

    @property
    def duration_s(self) -> float:
        return float(self.duration)

    def release_inputs(self) -> None:
        self.images = []


@dataclass(kw_only=True)
class EffectsRequest(_ImagesRequest):
    effect_scene: str


@dataclass(kw_only=True)
class MultiImageRequest(_ImagesRequest):
    negative_prompt: str
    aspect_ratio: str


def validate_create(
    kind: str,
    body,
    fetch: Fetch | None = None,
    find_video: FindVideo | None = None,
    now_ms: int | None = None,
    known_element: KnownElement | None = None,
) -> TaskRequest:
    """Validate a create body of `kind`; raise ApiError on the first violation."""
    if not isinstance(body, dict):
        raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
    if kind in ("text2video", "image2video"):
        return _validate_generation(kind, body, fetch)
    if kind == "video-extend":
        return validate_video_extend(body, find_video, int(time.time() * 1000) if now_ms is None else now_ms)
    if kind == "lip-sync":
        return validate_lip_sync(body, fetch, find_video)
    if kind == "effects":
        return validate_effects(body, fetch)
    if kind == "multi-image2video":
        return validate_multi_image(body, fetch)
    if kind == AVATAR_KIND:
        return validate_avatar(body, fetch, speech_seconds=spoken_seconds)
    if kind == OMNI_KIND:
        return validate_omni(body, fetch, known_element)
    if kind == MOTION_KIND:
        return validate_motion(body, fetch)
    if kind == IMAGE_KIND:
        return validate_image_generation(body, fetch)
    if kind == OMNI_IMAGE_KIND:
        return validate_omni_image(body, fetch, known_element)
    image_family = {EXPAND_KIND: validate_expand, MULTI_IMAGE2IMAGE_KIND: validate_multi_image2image}
    if kind in image_family:
        return image_family[kind](body, fetch)
    if kind == TEXT_TO_AUDIO_KIND:
        return validate_text_to_audio(body)
    if kind == VIDEO_TO_AUDIO_KIND:
        return validate_video_to_audio(body, fetch, find_video)
    raise ValueError(f"unknown kind {kind!r}")


def _validate_generation(kind: str, body: dict, fetch: Fetch | None) -> CreateRequest:
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
    sound = _sound(body, model_name, mode)
    shot_type, shots = _multi_shot(body, model_name, duration)
    if kind == "image2video" and model_name == "kling-v3" and _present(body, "aspect_ratio"):
        raise invalid("aspect_ratio is not a field of image2video: the clip follows the input image")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)

    image = image_tail = None
    if kind == "image2video":
        has_image, has_tail = _present(body, "image"), _present(body, "image_tail")
        if not has_image and not has_tail:
            raise invalid("image or image_tail is required")
        _masks(body)
        image = image_input(body["image"], "image", fetch) if has_image else None
        image_tail = image_input(body["image_tail"], "image_tail", fetch) if has_tail else None

    _screen(prompt, *(shot["prompt"] for shot in shots))

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
        shot_type=shot_type,
        shots=shots,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
        image=image,
        image_tail=image_tail,
    )


def _screen(*texts: str) -> None:
    if any(BLOCKED_PROMPT.search(text) for text in texts):
        raise ApiError(400, 1301, CONTENT_POLICY_MESSAGE)


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


def _unsupported(body: dict, names: tuple[str, ...], what: str) -> None:
    for name in names:
        if _present(body, name):
            raise invalid(f"{name} is not supported by {what}")


def _required_prompt(body: dict, limit: int = MAX_PROMPT_CHARS) -> str:
    prompt = _text(body, "prompt", limit)
    if not prompt.strip():
        raise invalid("prompt is required")
    return prompt


def _listed_model(body: dict, models: tuple[str, ...]) -> str:
    """model_name, one of `models` (the first when absent)."""
    model_name = body.get("model_name")
    if model_name in (None, ""):
        return models[0]
    if model_name not in models:
        raise invalid(f"model_name must be one of: {', '.join(models)}")
    return model_name


def _text(body: dict, name: str, limit: int = MAX_PROMPT_CHARS) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if len(value) > limit:
        raise invalid(f"{name} cannot be longer than {limit} characters")
    return value


def _custom_multi_shot(body: dict) -> bool:
    return body.get("multi_shot") is True and body.get("shot_type") == "customize" and bool(body.get("multi_prompt"))


def _sound(body: dict, model_name: str, mode: str) -> str:
    """`sound`: on | off. Only kling-v2-6 (pro: its std mode is "only no audio") and kling-v3 make audio."""
    sound = _choice(body, "sound", ("on", "off"), "off")
    if sound == "on":
        if model_name not in SOUND_MODES:
            raise invalid(f"model_name {model_name} does not support sound; use kling-v2-6 (pro) or kling-v3")
        if mode not in SOUND_MODES[model_name]:
            raise invalid(f"{model_name} in {mode} mode is only no audio: sound on needs mode pro")
    return sound


def _multi_shot(body: dict, model_name: str, duration: str) -> tuple[str, list[dict]]:
    """multi_shot (kling-v3), shot_type and multi_prompt: ("", []) for a single shot."""
    multi_shot = body.get("multi_shot")
    if multi_shot in (None, False):
        for name in ("shot_type", "multi_prompt"):
            if _present(body, name):
                raise invalid(f"{name} is only used with multi_shot true")
        return "", []
    if multi_shot is not True:
        raise invalid("multi_shot must be true or false")
    if model_name not in MULTI_SHOT_MODELS:
        raise invalid(f"model_name {model_name} does not support multi_shot; use kling-v3")
    shot_type = _choice(body, "shot_type", ("customize", "intelligence"), "")
    if not shot_type:
        raise invalid("shot_type is required with multi_shot: customize or intelligence")
    shots = body.get("multi_prompt")
    if shot_type == "intelligence":
        if _present(body, "multi_prompt"):
            raise invalid("multi_prompt is only used with shot_type customize")
        return shot_type, []
    if not isinstance(shots, list) or not shots or not all(isinstance(shot, dict) for shot in shots):
        raise invalid("multi_prompt is required with shot_type customize: a list of {index, prompt, duration}")
    if len(shots) > MAX_SHOTS:
        raise invalid(f"multi_prompt takes at most {MAX_SHOTS} shots")
    checked = []
    for shot in shots:
        index, prompt, seconds = shot.get("index"), shot.get("prompt"), shot.get("duration")
        if isinstance(index, bool) or not isinstance(index, int):
            raise invalid("multi_prompt index must be an integer")
        if not isinstance(prompt, str) or not prompt.strip():
            raise invalid(f"multi_prompt shot {index}: prompt is required")
        if len(prompt) > MAX_SHOT_PROMPT_CHARS:
            raise invalid(f"multi_prompt shot {index}: prompt cannot be longer than {MAX_SHOT_PROMPT_CHARS} characters")
        if isinstance(seconds, str) and seconds.isdigit():
            seconds = int(seconds)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise invalid(f"multi_prompt shot {index}: duration must be a whole number of seconds")
        checked.append({"index": index, "prompt": prompt, "duration": str(seconds)})
    checked.sort(key=lambda shot: shot["index"])
    if [shot["index"] for shot in checked] != list(range(1, len(checked) + 1)):
        raise invalid(f"multi_prompt indexes must be 1 to {len(checked)}")
    if sum(int(shot["duration"]) for shot in checked) != int(duration):
        raise invalid(f"the durations in multi_prompt must sum to duration ({duration})")
    return shot_type, checked


def _choice(body: dict, name: str, allowed: tuple[str, ...], default: str, label: str | None = None) -> str:
    value = body.get(name)
    if value in (None, ""):
        return default
    if value not in allowed:
        raise invalid(f"{label or name} must be one of: {', '.join(allowed)}")
    return value


def allowed_durations(model_name: str) -> tuple[str, ...]:
    if model_name == "kling-v3":
        return tuple(str(seconds) for seconds in range(3, 16))
    return ("5", "10")


def _duration(body: dict, model_name: str) -> str:
    return _duration_choice(body, "duration", allowed_durations(model_name), model_name)


def _duration_choice(body: dict, name: str, allowed: tuple[str, ...], subject: str, label: str | None = None) -> str:
    value = body.get(name)
    label = label or name
    if value in (None, ""):
        return "5"
    if not isinstance(value, str):
        raise invalid(f'{label} must be a string, one of: {", ".join(allowed)} (e.g. "5", not 5)')
    if value not in allowed:
        raise invalid(f"{label} must be one of: {', '.join(allowed)} for {subject}")
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


def image_input(value, name: str, fetch: Fetch | None) -> Image.Image:
    """An image given as a public URL or raw Base64 (no data: prefix), decoded and checked."""
    if not isinstance(value, str):
        raise invalid(f"{name} must be an image URL or a Base64 string")
    value = value.strip()
    if value.lower().startswith("data:"):
        raise invalid(f"{name} must be raw Base64 without the data:image/...;base64, prefix")
    if value.lower().startswith(("http://", "https://")):
        data = _download(value, name, MAX_IMAGE_BYTES, fetch)
    else:
        data = _base64(value, name, MAX_IMAGE_BYTES, "an http(s) URL or valid Base64")
    return decode_image(name, data)


def megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024)}MB"


def _download(url: str, name: str, limit: int, fetch: Fetch | None) -> bytes:
    if fetch is None:
        raise invalid(f"{name} could not be downloaded from its URL")
    return fetch(url, name, limit)


def _base64(value: str, name: str, limit: int, expected: str) -> bytes:
    # 4 Base64 characters carry 3 bytes: refuse oversized input before decoding it.
    if len(value) > (limit // 3 + 1) * 4 + 64:
        raise invalid(f"{name} cannot be larger than {megabytes(limit)}")
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{name} must be {expected}") from None
    if len(data) > limit:
        raise invalid(f"{name} cannot be larger than {megabytes(limit)}")
    return data


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


def _url(value, name: str) -> str:
    if not isinstance(value, str) or urlsplit(value.strip()).scheme not in ("http", "https"):
        raise invalid(f"{name} must be an http(s) URL")
    return value.strip()


# -- video-extend --------------------------------------------------------------------------------------


def validate_video_extend(body: dict, find_video: FindVideo | None, now_ms: int) -> ExtendRequest:
    video_id = body.get("video_id")
    if video_id in (None, ""):
        raise invalid("video_id is required")
    if not isinstance(video_id, str):
        raise invalid("video_id must be a string")
    prompt = _text(body, "prompt")
    negative_prompt = _text(body, "negative_prompt")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    parent = find_video(video_id) if find_video is not None else None
    if parent is None:
        raise invalid(f"video_id {video_id} does not exist")
    if parent.model_name not in EXTENDABLE_MODELS:
        raise invalid("video-extend only supports videos generated by kling-v1, kling-v1-5 and kling-v1-6")
    if now_ms - parent.created_at > MAX_EXTEND_AGE_MS:
        raise invalid(f"video_id {video_id} is older than 30 days and can no longer be extended")
    if parent.duration_s + EXTEND_SECONDS > MAX_EXTENDED_SECONDS + 1e-6:
        raise invalid("the extended video cannot be longer than 3 minutes")
    cfg_scale = _cfg_scale(body, parent.model_name)
    _screen(prompt)
    return ExtendRequest(
        kind="video-extend",
        model_name=parent.model_name,
        mode=parent.mode,
        prompt=prompt,
        negative_prompt=negative_prompt,
        cfg_scale=cfg_scale,
        parent=parent,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- lip-sync ------------------------------------------------------------------------------------------


def validate_lip_sync(body: dict, fetch: Fetch | None, find_video: FindVideo | None) -> LipSyncRequest:
    spec = body.get("input")
    if not isinstance(spec, dict):
        raise invalid("input must be an object")
    has_id, has_url = _present(spec, "video_id"), _present(spec, "video_url")
    if has_id == has_url:
        raise invalid("input must contain exactly one of video_id and video_url")
    input_mode = spec.get("mode")
    if input_mode not in LIP_SYNC_MODES:
        raise invalid(f"input.mode must be one of: {', '.join(LIP_SYNC_MODES)}")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)

    speech: dict = {}
    if input_mode == "text2video":
        speech = _speech_text(spec)
        _screen(speech["text"])
    else:
        audio_type = spec.get("audio_type")
        if audio_type not in AUDIO_TYPES:
            raise invalid(f"input.audio_type must be one of: {', '.join(AUDIO_TYPES)} (required for audio2video)")

    # Only now the expensive part: fetch and decode the video, then the audio.
    source_record, source_video, duration = _source_clip(spec, "input.", fetch, find_video, MAX_VIDEO_BYTES, max_side=MAX_VIDEO_SIDE)
    low, high = VIDEO_SECONDS_RANGE
    if not low - 1e-3 <= duration <= high + 1e-3:
        raise invalid("video duration must be between 2s and 10s")
    if input_mode == "audio2video":
        speech = {"audio": _speech_audio(spec, fetch)}

    return LipSyncRequest(
        kind="lip-sync",
        model_name=source_record.model_name if source_record else None,
        mode=source_record.mode if source_record else "std",
        input_mode=input_mode,
        source_duration_s=round(duration, 3),
        source_record=source_record,
        source_video=source_video,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
        **speech,
    )


def _source_clip(spec: dict, prefix: str, fetch: Fetch | None, find_video: FindVideo | None, max_bytes: int, *,
                 max_side: int | None = None) -> tuple:
    """The clip a body names by `video_id` (a video this upstream made) or `video_url` (downloaded and probed):
    (its VideoRecord or None, its bytes or None, its seconds). The caller checked exactly one is given."""
    if _present(spec, "video_id"):
        video_id = spec["video_id"]
        record = find_video(video_id) if isinstance(video_id, str) and find_video is not None else None
        if record is None:
            raise invalid(f"{prefix}video_id {video_id} does not exist")
        return record, None, record.duration_s
    name = f"{prefix}video_url"
    video = _download(_url(spec["video_url"], name), name, max_bytes, fetch)
    try:
        info = probe_video(video)
    except MediaError as error:
        raise invalid(f"{name} {error}") from None
    if max_side is not None and max(info.width, info.height) > max_side:
        raise invalid(f"video resolution cannot exceed {max_side}px on its longer side")
    return None, video, info.duration_s


def _speech_text(spec: dict, prefix: str = "input.") -> dict:
    """Text read by a preset voice: lip-sync's `input.*` (text2video mode), or the avatar's top-level fields."""
    needed = "for text2video" if prefix else "with text"
    text = spec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid(f"{prefix}text is required for text2video" if prefix else "text cannot be blank")
    if len(text) > MAX_LIP_SYNC_TEXT_CHARS:
        raise invalid(f"{prefix}text cannot be longer than {MAX_LIP_SYNC_TEXT_CHARS} characters")
    voice_id = spec.get("voice_id")
    if voice_id not in VOICE_IDS:
        raise invalid(f"{prefix}voice_id must be one of: {', '.join(VOICE_IDS)} (required {needed})")
    voice_language = _choice(spec, "voice_language", VOICE_LANGUAGES, "en", label=f"{prefix}voice_language")
    voice_speed = spec.get("voice_speed", 1.0)
    low, high = VOICE_SPEED_RANGE
    if voice_speed is None:
        voice_speed = 1.0
    if not _number(voice_speed) or not math.isfinite(voice_speed) or not low <= voice_speed <= high:
        raise invalid(f"{prefix}voice_speed must be a number between {low} and {high}")
    return {"text": text, "voice_id": voice_id, "voice_language": voice_language, "voice_speed": float(voice_speed)}


def _speech_audio(spec: dict, fetch: Fetch | None) -> AudioClip:
    if spec["audio_type"] == "file":
        name, value = "input.audio_file", spec.get("audio_file")
        if not isinstance(value, str) or not value.strip():
            raise invalid("input.audio_file is required when audio_type is file")
        if value.strip().lower().startswith("data:"):
            raise invalid("input.audio_file must be raw Base64 without the data:audio/...;base64, prefix")
        data = _base64(value.strip(), name, MAX_AUDIO_BYTES, "valid Base64")
    else:
        name, value = "input.audio_url", spec.get("audio_url")
        if value in (None, ""):
            raise invalid("input.audio_url is required when audio_type is url")
        data = _download(_url(value, name), name, MAX_AUDIO_BYTES, fetch)
    return _decoded_audio(data, name)


# -- avatar/image2video ---------------------------------------------------------------------------------


def spoken_seconds(text: str, voice_speed: float) -> float:
    """How long the simulator's stand-in voice takes to read `text`: its speech envelope's length."""
    return len(speech_envelope(text, voice_speed)) / ENVELOPE_HZ


def validate_avatar(body: dict, fetch: Fetch | None, *, speech_seconds=None) -> AvatarRequest:
    """`speech_seconds(text, voice_speed)` measures read-aloud text (the app passes its speech envelope's
    length); without it, text is taken at a nominal 15 characters a second."""
    if not _present(body, "image"):
        raise invalid("image is required")
    sources = [name for name in ("sound_file", "audio_id", "text") if _present(body, name)]
    if len(sources) != 1:
        raise invalid("exactly one of sound_file, audio_id and text is required")
    prompt = _text(body, "prompt")
    mode = _choice(body, "mode", MODES, "std")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    speech: dict = {}
    if sources == ["text"]:
        speech = _speech_text(body, prefix="")
    _screen(prompt, speech.get("text", ""))
    if sources == ["audio_id"]:
        audio_id = body["audio_id"]
        raise invalid(f"audio_id {str(audio_id)[:64]} does not exist")
    # Only now the expensive part: decode the portrait, then the audio.
    image = image_input(body["image"], "image", fetch)
    if sources == ["sound_file"]:
        audio = _audio_file(body["sound_file"], "sound_file", fetch)
        speech = {"audio": audio}
        seconds = audio.duration_s
    elif speech_seconds is not None:
        seconds = speech_seconds(speech["text"], speech["voice_speed"])
    else:
        seconds = len(speech["text"]) / (15 * speech["voice_speed"])
    return AvatarRequest(
        kind=AVATAR_KIND,
        model_name=None,
        mode=mode,
        prompt=prompt,
        speech_seconds=seconds,
        image=image,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
        **speech,
    )


def _audio_file(value, name: str, fetch: Fetch | None) -> AudioClip:
    """An audio file given as a public URL or raw Base64, decoded; 2-60 s."""
    if not isinstance(value, str):
        raise invalid(f"{name} must be an audio URL or a Base64 string")
    value = value.strip()
    if value.lower().startswith("data:"):
        raise invalid(f"{name} must be raw Base64 without the data:audio/...;base64, prefix")
    if value.lower().startswith(("http://", "https://")):
        data = _download(value, name, MAX_AUDIO_BYTES, fetch)
    else:
        data = _base64(value, name, MAX_AUDIO_BYTES, "an http(s) URL or valid Base64")
    return _decoded_audio(data, name)


def _decoded_audio(data: bytes, name: str) -> AudioClip:
    low, high = AUDIO_SECONDS_RANGE
    try:
        audio = decode_audio(data, max_seconds=high)
    except MediaTooLong:
        raise invalid("audio duration must be between 2s and 60s") from None
    except MediaError as error:
        raise invalid(f"{name} {error}") from None
    if not low <= audio.duration_s <= high:
        raise invalid("audio duration must be between 2s and 60s")
    return audio


# -- effects -------------------------------------------------------------------------------------------


def validate_effects(body: dict, fetch: Fetch | None) -> EffectsRequest:
    scene = body.get("effect_scene")
    if scene in (None, ""):
        raise invalid(f"effect_scene is required, one of: {', '.join(EFFECT_SCENES)}")
    if scene not in EFFECT_SCENES:
        raise invalid(f"effect_scene must be one of: {', '.join(EFFECT_SCENES)}")
    spec = body.get("input")
    if not isinstance(spec, dict):
        raise invalid("input must be an object")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    if scene in SINGLE_IMAGE_SCENES:
        if _present(spec, "images"):
            raise invalid(f"effect_scene {scene} takes exactly 1 image, in input.image")
        if not _present(spec, "image"):
            raise invalid(f"input.image is required for effect_scene {scene}")
        model_name, mode = None, "std"
        duration = _duration_choice(spec, "duration", ("5",), f"effect_scene {scene}", label="input.duration")
        images = [image_input(spec["image"], "input.image", fetch)]
    else:
        model_name = spec.get("model_name") or TWO_PERSON_DEFAULT_MODEL
        if model_name not in TWO_PERSON_MODELS:
            raise invalid(f"input.model_name must be one of: {', '.join(TWO_PERSON_MODELS)} for effect_scene {scene}")
        mode = _choice(spec, "mode", MODES, "std", label="input.mode")
        sources = spec.get("images")
        if not isinstance(sources, list) or len(sources) != 2:
            raise invalid(f"input.images must contain exactly 2 images for effect_scene {scene}")
        duration = _duration_choice(spec, "duration", ("5", "10"), f"effect_scene {scene}", label="input.duration")
        images = [image_input(value, f"input.images[{index}]", fetch) for index, value in enumerate(sources)]
    return EffectsRequest(
        kind="effects",
        model_name=model_name,
        mode=mode,
        effect_scene=scene,
        duration=duration,
        images=images,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- multi-image2video ---------------------------------------------------------------------------------


def validate_multi_image(body: dict, fetch: Fetch | None) -> MultiImageRequest:
    model_name = body.get("model_name")
    if model_name in (None, ""):
        model_name = MULTI_IMAGE_MODEL
    if not isinstance(model_name, str):
        raise invalid("model_name must be a string")
    if model_name != MULTI_IMAGE_MODEL:
        if model_name in T2V_MODELS + I2V_MODELS:
            raise invalid(f"model_name {model_name} does not support multi-image2video")
        raise invalid(f"model_name must be one of: {MULTI_IMAGE_MODEL}")
    entries = body.get("image_list")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_MULTI_IMAGES:
        raise invalid(f"image_list must contain 1 to {MAX_MULTI_IMAGES} images")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not _present(entry, "image"):
            raise invalid(f'image_list[{index}] must be an object like {{"image": "<URL or Base64>"}}')
    prompt = _required_prompt(body)
    negative_prompt = _text(body, "negative_prompt")
    mode = _choice(body, "mode", MODES, "std")
    duration = _duration(body, model_name)
    aspect_ratio = _choice(body, "aspect_ratio", ASPECT_RATIOS, "16:9")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    _screen(prompt)
    images = [image_input(entry["image"], f"image_list[{index}].image", fetch) for index, entry in enumerate(entries)]
    return MultiImageRequest(
        kind="multi-image2video",
        model_name=model_name,
        mode=mode,
        prompt=prompt,
        negative_prompt=negative_prompt,
        aspect_ratio=aspect_ratio,
        duration=duration,
        images=images,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- omni-video ------------------------------------------------------------------------------------------


def _omni_entries(body: dict, name: str, shape: str) -> list:
    entries = body.get(name)
    if entries in (None, []):
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise invalid(f"{name} must be a list of objects like {shape}")
    return entries


def _match_references(prompt: str, counts: dict) -> None:
    """Every <<<kind_N>>> of the prompt names an entry of its list (counts: entries per list)."""
    for what, number in OMNI_REFERENCE.findall(prompt):
        if not 1 <= int(number) <= counts[what]:
            raise invalid(f"<<<{what}_{number}>>> in prompt does not match any entry of {what}_list")


def _screen_references(prompt: str, elements: list, known_element: KnownElement | None = None) -> None:
    # The prompt as written, references in place: they are not words, so they hide none.
    _screen(OMNI_REFERENCE.sub(" ", prompt))
    for entry in elements:
        # Only an element this upstream issued (and still keeps) can be named.
        if known_element is None or not known_element(entry.get("element_id")):
            raise invalid(f"element_id {str(entry.get('element_id'))[:32]} does not exist")


def validate_omni(body: dict, fetch: Fetch | None, known_element: KnownElement | None = None) -> OmniRequest:
    model_name = _listed_model(body, OMNI_MODELS)
    prompt = _required_prompt(body)
    images = _omni_entries(body, "image_list", '{"image_url": "<URL or Base64>"}')
    videos = _omni_entries(body, "video_list", '{"video_url": "<URL>", "refer_type": "base"}')
    elements = _omni_entries(body, "element_list", '{"element_id": 123}')
    if len(videos) > 1:
        raise invalid("video_list can contain at most 1 video")
    limit = 4 if videos else 7
    if len(images) > limit:
        raise invalid(f"image_list can contain at most {limit} images {'with' if videos else 'without'} a reference video")
    if len(images) + len(elements) > limit:
        raise invalid(f"the number of images and elements cannot exceed {limit}")
    types = []
    for index, entry in enumerate(images):
        if not _present(entry, "image_url"):
            raise invalid(f"image_list[{index}].image_url is required")
        image_type = entry.get("type") or ""
        if image_type not in ("", "first_frame", "end_frame"):
            raise invalid(f"image_list[{index}].type must be one of: first_frame, end_frame")
        types.append(image_type)
    if types.count("first_frame") > 1 or types.count("end_frame") > 1:
        raise invalid("image_list can contain at most one first_frame and one end_frame")
    if "end_frame" in types and ("first_frame" not in types or len(images) > 2):
        raise invalid("end_frame needs a first_frame and is not supported with more than 2 images")
    refer_type, keep = "", "no"
    if videos:
        entry = videos[0]
        if not _present(entry, "video_url"):
            raise invalid("video_list[0].video_url is required")
        refer_type = _choice(entry, "refer_type", ("feature", "base"), "base", label="video_list[0].refer_type")
        keep = _choice(entry, "keep_original_sound", ("yes", "no"), "no", label="video_list[0].keep_original_sound")
    _match_references(prompt, {"image": len(images), "video": len(videos), "element": len(elements)})
    framed = "first_frame" in types
    editing = refer_type == "base"
    if editing and framed:
        raise invalid("first_frame and end_frame cannot be used with a base video")
    if (editing or framed) and _present(body, "aspect_ratio"):
        raise invalid("aspect_ratio is not supported with a first frame or a base video")
    aspect_ratio = "" if editing or framed else _choice(body, "aspect_ratio", ASPECT_RATIOS, "16:9")
    duration = ""
    if editing:
        if _present(body, "duration"):
            raise invalid("duration is not supported when editing a video (refer_type base)")
    else:
        plain = not videos and not elements and (not images or types == ["first_frame"])
        allowed = ("5", "10") if plain and model_name == "kling-video-o1" else OMNI_DURATIONS[model_name]
        duration = body.get("duration", "5")
        if duration not in allowed:
            raise invalid(f"duration must be one of: {', '.join(allowed)}")
    mode = _choice(body, "mode", MODES, "pro")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    _screen_references(prompt, elements, known_element)
    # Only now the expensive part: decode the images, then fetch and probe the clip.
    decoded = [image_input(entry["image_url"], f"image_list[{index}].image_url", fetch) for index, entry in enumerate(images)]
    video, seconds = None, 0.0
    if videos:
        video = _download(_url(videos[0]["video_url"], "video_list[0].video_url"), "video_list[0].video_url", MAX_VIDEO_BYTES, fetch)
        try:
            info = probe_video(video)
        except MediaError as error:
            raise invalid(f"video_list[0].video_url {error}") from None
        low, high = OMNI_VIDEO_SECONDS
        if not low - 0.25 <= info.duration_s <= high + 0.25:
            raise invalid("video_list[0] duration must be between 3s and 10s")
        seconds = info.duration_s
    return OmniRequest(
        kind=OMNI_KIND,
        model_name=model_name,
        mode=mode,
        prompt=prompt,
        duration=duration,
        aspect_ratio=aspect_ratio,
        images=decoded,
        image_types=types,
        video=video,
        video_seconds=seconds,
        refer_type=refer_type,
        keep_original_sound=keep,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- motion-control --------------------------------------------------------------------------------------


def validate_motion(body: dict, fetch: Fetch | None) -> MotionRequest:
    model_name = _listed_model(body, MOTION_MODELS)
    prompt = _text(body, "prompt")
    if not _present(body, "image_url"):
        raise invalid("image_url is required")
    if not _present(body, "video_url"):
        raise invalid("video_url is required")
    if not _present(body, "character_orientation"):
        raise invalid("character_orientation is required")
    orientation = _choice(body, "character_orientation", MOTION_ORIENTATIONS, "image")
    if not _present(body, "mode"):
        raise invalid("mode is required")
    mode = _choice(body, "mode", MODES, "std")
    keep = _choice(body, "keep_original_sound", ("yes", "no"), "yes")
    _unsupported(body, ("duration", "aspect_ratio", "negative_prompt", "cfg_scale", "image_list", "video_list"), "motion-control")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    _screen(prompt)
    # Only now the expensive part: decode the image, then fetch and probe the clip.
    image = image_input(body["image_url"], "image_url", fetch)
    video = _download(_url(body["video_url"], "video_url"), "video_url", MAX_VIDEO_BYTES, fetch)
    try:
        info = probe_video(video)
    except MediaError as error:
        raise invalid(f"video_url {error}") from None
    low, high = MOTION_CLIP_SECONDS[orientation]
    if not low - 0.25 <= info.duration_s <= high + 0.25:
        raise invalid(f"video_url duration must be between {low:g}s and {high:g}s with character_orientation {orientation}")
    return MotionRequest(
        kind=MOTION_KIND,
        model_name=model_name,
        mode=mode,
        prompt=prompt,
        image=image,
        video=video,
        video_seconds=info.duration_s,
        character_orientation=orientation,
        keep_original_sound=keep,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- images/generations ----------------------------------------------------------------------------------


def _unit_number(body: dict, name: str, default: float) -> float:
    if not _present(body, name):
        return default
    value = body[name]
    if not _number(value) or not 0 <= value <= 1:
        raise invalid(f"{name} must be a number between 0 and 1")
    return float(value)


def validate_image_generation(body: dict, fetch: Fetch | None) -> ImageGenerationRequest:
    model_name = _listed_model(body, IMAGE_MODELS)
    prompt = _required_prompt(body)
    negative_prompt = _text(body, "negative_prompt")
    aspect_ratio = _choice(body, "aspect_ratio", IMAGE_ASPECT_RATIOS, "16:9")
    resolution = _choice(body, "resolution", IMAGE_RESOLUTIONS, "1k")
    count = body.get("n", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_IMAGES:
        raise invalid(f"n must be an integer between 1 and {MAX_IMAGES}")
    _unsupported(body, ("duration", "mode", "cfg_scale", "camera_control", "image_tail"), "image generation")
    has_image = _present(body, "image")
    reference = _choice(body, "image_reference", IMAGE_REFERENCE_TYPES, "") if _present(body, "image_reference") else ""
    if has_image:
        if model_name == "kling-v1":
            raise invalid("model_name kling-v1 does not support a reference image")
        if negative_prompt:
            raise invalid("negative_prompt is not supported with a reference image")
        if model_name == "kling-v1-5" and not reference:
            raise invalid("image_reference is required with an image on kling-v1-5")
        if reference and model_name != "kling-v1-5":
            raise invalid(f"image_reference is not supported by {model_name}")
    elif reference or _present(body, "image_fidelity") or _present(body, "human_fidelity"):
        raise invalid("image is required with image_reference, image_fidelity or human_fidelity")
    image_fidelity = _unit_number(body, "image_fidelity", 0.5)
    human_fidelity = _unit_number(body, "human_fidelity", 0.45)
    if _present(body, "human_fidelity") and reference != "subject":
        raise invalid("human_fidelity is only supported with image_reference subject")
    watermark = _watermark(body)
    callback_url = _callback_url(body)
    external_task_id = _external_task_id(body)
    _screen(prompt)
    image = image_input(body["image"], "image", fetch) if has_image else None
    return ImageGenerationRequest(
        kind=IMAGE_KIND,
        model_name=model_name,
        prompt=prompt,
        negative_prompt=negative_prompt,
        aspect_ratio=aspect_ratio,
        resolution=resolution,
        count=count,
        image=image,
        image_reference=reference,
        image_fidelity=image_fidelity,
        human_fidelity=human_fidelity,
        watermark=watermark,
        callback_url=callback_url,
        external_task_id=external_task_id,
    )


# -- the rest of the image family ------------------------------------------------------------------------


def _image_count(body: dict) -> int:
    count = body.get("n", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_IMAGES:
        raise invalid(f"n must be an integer between 1 and {MAX_IMAGES}")
    return count


def _common(body: dict) -> dict:
    """watermark_info, callback_url and external_task_id, as every kind reads them."""
    return {"watermark": _watermark(body), "callback_url": _callback_url(body), "external_task_id": _external_task_id(body)}


def validate_expand(body: dict, fetch: Fetch | None) -> ExpandRequest:
    if not _present(body, "image"):
        raise invalid("image is required")
    ratios = []
    for side in EXPANSION_SIDES:
        name = f"{side}_expansion_ratio"
        value = body.get(name, 0)
        if not _number(value) or not 0 <= value <= 2:
            raise invalid(f"{name} must be a number between 0 and 2")
        ratios.append(float(value))
    up, down, left, right = ratios
    if (1 + up + down) * (1 + left + right) > 3 + 1e-9:
        raise invalid("the expanded image cannot be larger than 3 times the original image's area")
    prompt = _text(body, "prompt")
    count = _image_count(body)
    _unsupported(body, ("model_name", "aspect_ratio", "negative_prompt", "duration", "mode"), "image expansion")
    common = _common(body)
    _screen(prompt)
    return ExpandRequest(kind=EXPAND_KIND, model_name=None, prompt=prompt, count=count, ratios=tuple(ratios),
                         image=image_input(body["image"], "image", fetch), aspect_ratio="", **common)


def validate_omni_image(body: dict, fetch: Fetch | None, known_element: KnownElement | None = None) -> OmniImageRequest:
    model_name = _listed_model(body, OMNI_IMAGE_MODELS)
    prompt = _required_prompt(body)
    images = _omni_entries(body, "image_list", '{"image": "<URL or Base64>"}')
    elements = _omni_entries(body, "element_list", '{"element_id": 123}')
    if len(images) + len(elements) > OMNI_IMAGE_MAX_REFERENCES:
        raise invalid(f"the number of images and elements cannot exceed {OMNI_IMAGE_MAX_REFERENCES}")
    for index, entry in enumerate(images):
        if not _present(entry, "image"):
            raise invalid(f"image_list[{index}].image is required")
    _match_references(prompt, {"image": len(images), "video": 0, "element": len(elements)})
    aspect_ratio = _choice(body, "aspect_ratio", (*IMAGE_ASPECT_RATIOS, "auto"), "auto")
    resolution = _choice(body, "resolution", IMAGE_RESOLUTIONS, "1k")
    count = _image_count(body)
    common = _common(body)
    _screen_references(prompt, elements, known_element)
    decoded = [image_input(entry["image"], f"image_list[{index}].image", fetch) for index, entry in enumerate(images)]
    return OmniImageRequest(kind=OMNI_IMAGE_KIND, model_name=model_name, prompt=prompt, aspect_ratio=aspect_ratio,
                            resolution=resolution, count=count, images=decoded, **common)


def validate_multi_image2image(body: dict, fetch: Fetch | None) -> MultiImage2ImageRequest:
    model_name = _listed_model(body, MULTI_IMAGE2IMAGE_MODELS)
    subjects = _omni_entries(body, "subject_image_list", '{"subject_image": "<URL or Base64>"}')
    if not 1 <= len(subjects) <= MAX_SUBJECT_IMAGES:
        raise invalid(f"subject_image_list must contain 1 to {MAX_SUBJECT_IMAGES} images")
    for index, entry in enumerate(subjects):
        if not _present(entry, "subject_image"):
            raise invalid(f"subject_image_list[{index}].subject_image is required")
    prompt = _text(body, "prompt")
    aspect_ratio = _choice(body, "aspect_ratio", IMAGE_ASPECT_RATIOS, "16:9")
    count = _image_count(body)
    _unsupported(body, ("negative_prompt", "duration", "mode", "image", "resolution"), "multi-image to image")
    common = _common(body)
    _screen(prompt)
    decoded = [image_input(entry["subject_image"], f"subject_image_list[{index}].subject_image", fetch)
               for index, entry in enumerate(subjects)]
    scene, style = (image_input(body[name], name, fetch) if _present(body, name) else None for name in ("scene_image", "style_image"))
    return MultiImage2ImageRequest(kind=MULTI_IMAGE2IMAGE_KIND, model_name=model_name, prompt=prompt, aspect_ratio=aspect_ratio,
                                   count=count, subjects=decoded, scene=scene, style=style, **common)


# -- sound ---------------------------------------------------------------------------------------------


def _no_model(body: dict, kind: str) -> None:
    names = ("model_name", "mode", "aspect_ratio", "negative_prompt", "cfg_scale", "image")
    _unsupported(body, (*names, "duration") if kind == VIDEO_TO_AUDIO_KIND else names, kind.removeprefix("audio/"))


def validate_text_to_audio(body: dict) -> TextToAudioRequest:
    _no_model(body, TEXT_TO_AUDIO_KIND)
    prompt = _required_prompt(body, SOUND_PROMPT_CHARS)
    if not _present(body, "duration"):
        raise invalid("duration is required")
    seconds = body["duration"]
    low, high = SOUND_SECONDS
    if not _number(seconds) or not low <= seconds <= high:
        raise invalid(f"duration must be a number between {low:g} and {high:g}")
    if abs(seconds * 10 - round(seconds * 10)) > 1e-6:
        raise invalid("duration supports one decimal place")
    common = _common(body)
    _screen(prompt)
    return TextToAudioRequest(kind=TEXT_TO_AUDIO_KIND, model_name=None, prompt=prompt, seconds=round(float(seconds), 1), **common)


def validate_video_to_audio(body: dict, fetch: Fetch | None, find_video: FindVideo | None) -> VideoToAudioRequest:
    _no_model(body, VIDEO_TO_AUDIO_KIND)
    has_id, has_url = _present(body, "video_id"), _present(body, "video_url")
    if has_id == has_url:
        raise invalid("exactly one of video_id and video_url is required")
    effects = _text(body, "sound_effect_prompt", SOUND_PROMPT_CHARS)
    music = _text(body, "bgm_prompt", SOUND_PROMPT_CHARS)
    asmr = body.get("asmr_mode", False)
    if not isinstance(asmr, bool):
        raise invalid("asmr_mode must be a boolean")
    common = _common(body)
    _screen(effects, music)
    source_record, source_video, duration = _source_clip(body, "", fetch, find_video, SOUND_VIDEO_BYTES)
    low, high = SOUND_VIDEO_SECONDS
    if not low - 1e-3 <= duration <= high + 1e-3:
        raise invalid(f"video duration must be between {low:g}s and {high:g}s")
    return VideoToAudioRequest(
        kind=VIDEO_TO_AUDIO_KIND, model_name=source_record.model_name if source_record else None,
        prompt=effects, source_duration_s=round(duration, 3), source_record=source_record, source_video=source_video,
        sound_effect_prompt=effects, bgm_prompt=music, asmr_mode=asmr, **common,
    )
