"""What the upstream models can do (shared/KLING_API.md §3), as data, and the request validation built on it.

Everything here is pure: no database, no network. Invalid combinations are refused before any upstream
call, with the upstream's own wording where it has one.
"""

import dataclasses
import math
import re
from dataclasses import dataclass, field

from generations.errors import GenerationError

MAX_PROMPT_CHARS = 2500

# Kinds are named by their upstream route (POST /v1/videos/{kind}), so the provider client needs no map.
TEXT2VIDEO = "text2video"
IMAGE2VIDEO = "image2video"
MULTI_IMAGE2VIDEO = "multi-image2video"
VIDEO_EXTEND = "video-extend"
LIP_SYNC = "lip-sync"
EFFECTS = "effects"
# The route has two segments (POST /v1/videos/avatar/image2video): the kind keeps them, so the provider
# client and the simulator still build the URL from the kind alone.
AVATAR = "avatar/image2video"
OMNI_VIDEO = "omni-video"
MOTION_CONTROL = "motion-control"
# Video→video editing (POST /v1/videos/multi-elements): add, swap or remove an element of a finished clip.
MULTI_ELEMENTS = "multi-elements"
# Still images (POST /v1/images/generations): the kind is its route under /v1/ rather than /v1/videos/, so the
# provider client and the simulator build its URL from the kind alone as well.
IMAGE_GENERATION = "images/generations"
# The rest of Kling's image family, named by their routes under /v1/ too: outpainting, omni-image (kling-image-o1)
# and multi-image to image. Each makes n stills as images/generations does.
IMAGE_EXPAND = "images/editing/expand"
OMNI_IMAGE = "images/omni-image"
MULTI_IMAGE2IMAGE = "images/multi-image2image"
KINDS = (TEXT2VIDEO, IMAGE2VIDEO, MULTI_IMAGE2VIDEO, VIDEO_EXTEND, LIP_SYNC, EFFECTS, AVATAR, OMNI_VIDEO, MOTION_CONTROL,
         IMAGE_GENERATION, IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE)
# Kinds whose output is still images (task_result.images), not a clip.
IMAGE_KINDS = (IMAGE_GENERATION, IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE)
# Sound (POST /v1/audio/text-to-audio, /v1/audio/video-to-audio): as for images, the kind is its route under /v1/.
TEXT_TO_AUDIO = "audio/text-to-audio"
VIDEO_TO_AUDIO = "audio/video-to-audio"
AUDIO_KINDS = (TEXT_TO_AUDIO, VIDEO_TO_AUDIO)
KINDS = (*KINDS, *AUDIO_KINDS, MULTI_ELEMENTS)


def output_media(kind: str) -> tuple[str, ...]:
    """What a kind makes, as the media types a reader names it by: ("image",) for still images, ("audio",) for a
    sound, ("video", "audio") for video-to-audio (the clip with its new soundtrack, and the soundtrack alone),
    ("video",) for every clip kind (and an unknown kind: the studio's kinds are clips unless they say otherwise)."""
    if kind in IMAGE_KINDS:
        return ("image",)
    if kind == TEXT_TO_AUDIO:
        return ("audio",)
    if kind == VIDEO_TO_AUDIO:
        return ("video", "audio")
    return ("video",)
KIND_LABELS = {
    TEXT2VIDEO: "Text → video",
    IMAGE2VIDEO: "Image → video",
    MULTI_IMAGE2VIDEO: "Several images → video",
    VIDEO_EXTEND: "Extend a clip",
    LIP_SYNC: "Lip-sync",
    EFFECTS: "Effect",
    AVATAR: "Avatar",
    OMNI_VIDEO: "Omni video",
    MOTION_CONTROL: "Motion control",
    IMAGE_GENERATION: "Image",
    IMAGE_EXPAND: "Expand an image",
    OMNI_IMAGE: "Omni image",
    MULTI_IMAGE2IMAGE: "Several images → image",
}
KIND_LABELS.update({TEXT_TO_AUDIO: "Sound", VIDEO_TO_AUDIO: "Sound for a clip"})
# Kinds that continue an existing clip of the team: they name a parent generation.
PARENT_KINDS = (VIDEO_EXTEND, LIP_SYNC)
LINEAGE_LABELS = {VIDEO_EXTEND: "Extended from", LIP_SYNC: "Lip-synced from", "omni-video": "Made with the clip",
                  MOTION_CONTROL: "Moves as in"}
LINEAGE_LABELS[VIDEO_TO_AUDIO] = "Sound added to"
KIND_LABELS[MULTI_ELEMENTS] = "Edit a clip"
LINEAGE_LABELS[MULTI_ELEMENTS] = "Edited from"

# video-extend (§2): adds 4–5 s per call (the simulator adds exactly 5), total at most 3 minutes, only
# for videos the V1.x models made, and only while the upstream still keeps them (30 days).
EXTEND_SECONDS = 5
EXTEND_MAX_TOTAL_SECONDS = 180
EXTENDABLE_MODELS = ("kling-v1", "kling-v1-5", "kling-v1-6")
UPSTREAM_RETENTION_DAYS = 30

# lip-sync: a 2–10 s source clip; text (≤120 characters) spoken by one of the voices, or uploaded audio.
LIP_SYNC_MIN_SECONDS, LIP_SYNC_MAX_SECONDS = 2, 10
LIP_SYNC_MAX_TEXT = 120
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


@dataclass(frozen=True)
class VoiceLabel:
    """How the portal names a voice: a name a person can pick by, its language and one short description.
    Descriptive names read from the upstream's voice ids (not the upstream's own marketing names)."""

    name: str
    language: str
    description: str


VOICE_LABELS = {
    "oversea_male1": VoiceLabel("Announcer", "English", "A man's clear, even voice, for introductions and news-style lines."),
    "uk_boy1": VoiceLabel("British boy", "English (UK)", "A young boy with a British accent."),
    "uk_man2": VoiceLabel("British man", "English (UK)", "A grown man with a British accent, low and steady."),
    "reader_en_m-v1": VoiceLabel("Narrator", "English", "A man reading aloud at an unhurried pace, for explainers."),
    "commercial_lady_en_f-v1": VoiceLabel("Presenter", "English", "A woman's bright, upbeat voice, for ads and announcements."),
    "calm_story1": VoiceLabel("Storyteller", "English", "A calm, gentle voice for telling a story."),
    "genshin_vindi2": VoiceLabel("Young hero", "English", "A lively young voice, like a character in a game."),
    "chat1_female_new-3": VoiceLabel("Friendly chat", "English", "A woman talking warmly, as in a conversation."),
}
VOICE_LANGUAGES = ("en", "zh")
VOICE_SPEED_RANGE = (0.8, 2.0)

# avatar/image2video: one portrait made to speak, either uploaded audio (2–60 s, as lip-sync audio) or
# text (≤120 characters, as lip-sync text) read by one of the voices. The upstream has no model choice
# here: the studio records the kind's own model name. The clip lasts as long as the speech.
AVATAR_MODEL = "kling-avatar"
AVATAR_MIN_SECONDS = 2
# Spoken text's length for pricing before anything is rendered: about 15 characters a second at speed
# 1.0 (a faster voice is shorter), at least AVATAR_MIN_SECONDS.
SPOKEN_CHARS_PER_SECOND = 15


def spoken_seconds(text: str, voice_speed: float = 1.0) -> int:
    """Whole seconds the avatar's clip is expected to last when `text` is read at `voice_speed`."""
    return max(AVATAR_MIN_SECONDS, math.ceil(len(text) / (SPOKEN_CHARS_PER_SECOND * voice_speed)))


# omni-video (POST /v1/videos/omni-video): one prompt that names its inputs as <<<image_N>>>, <<<video_N>>> and
# <<<element_N>>> (1-based positions in image_list, video_list and element_list). Up to 7 images and elements
# together, 4 when a clip is given; at most one clip, a finished clip of the team (`feature`: a reference for
# style, camera or the next shot; `base`: the clip to edit, whose length the result keeps). An image may be
# typed first_frame or end_frame instead of being a reference (an end frame needs a first frame, and no more
# than 2 images then). Text-only and first-frame clips last 5 or 10 s; the rest 3–10 s (kling-v3-omni 3–15).
OMNI_MODELS = ("kling-video-o1", "kling-v3-omni")
OMNI_DEFAULT_MODEL = "kling-video-o1"
OMNI_DURATIONS = {"kling-video-o1": tuple(str(n) for n in range(3, 11)), "kling-v3-omni": tuple(str(n) for n in range(3, 16))}
OMNI_MAX_IMAGES = 7
OMNI_MAX_IMAGES_WITH_VIDEO = 4
OMNI_MAX_VIDEOS = 1
OMNI_VIDEO_SECONDS = (3, 10)
OMNI_IMAGE_TYPES = ("first_frame", "end_frame")
OMNI_REFER_TYPES = ("feature", "base")
OMNI_SOUND_CHOICES = ("yes", "no")
OMNI_REFERENCE = re.compile(r"<<<(image|video|element)_(\d+)>>>")
OMNI_LISTS = {"image": "image_list", "video": "video_list", "element": "element_list"}


def omni_references(prompt: str) -> dict:
    """{"image": {1, 3}, "video": {1}, "element": set()}: the positions the prompt refers to, per list."""
    found = {name: set() for name in OMNI_LISTS}
    for what, number in OMNI_REFERENCE.findall(prompt or ""):
        found[what].add(int(number))
    return found


def omni_readable(prompt: str) -> str:
    """The prompt with each <<<image_N>>> written as words in its place ("image 1"), as the screening reads it:
    the references stay where they are, so no word is joined to a reference and hidden from the classifier."""
    return OMNI_REFERENCE.sub(lambda match: f" {match.group(1)} {match.group(2)} ", prompt or "").strip()


# motion-control (POST /v1/videos/motion-control): the character in one image (`image_url`) performs the motion
# of a reference clip (`video_url`), here always a finished clip of the team. character_orientation says whose
# facing the result keeps: `image` (the clip may last 3–10 s) or `video` (3–30 s); keep_original_sound yes|no
# (default yes); std|pro; an optional prompt (≤2500). The result lasts as long as the clip: no duration field.
MOTION_MODELS = ("kling-v2-6", "kling-v3")
MOTION_DEFAULT_MODEL = "kling-v2-6"
MOTION_ORIENTATIONS = ("image", "video")
MOTION_CLIP_SECONDS = {"image": (3, 10), "video": (3, 30)}
MOTION_SOUND_CHOICES = ("yes", "no")

# multi-elements (video→video editing; WHQ25/rawgenai docs/research/kling/multimodal-video-editing.md, a
# transcription of the official document, and CometAPI's "multimodal video editing" pages): a selection session
# opened on a clip (init-selection; it lives 24 h), the element marked by points on up to 10 frames (at most 10
# points a frame, x and y in [0, 1]), then the task: edit_mode addition (1–2 images in image_list), swap (exactly
# one) or removal (none), a prompt (required, ≤2500; the clip is <<<video_1>>>, the images <<<image_N>>>),
# negative_prompt (≤2500), std|pro, duration 5 (a 2–5 s clip) or 10 (a 7–10 s clip), model kling-v1-6 only. Here the
# clip is always a finished clip of the team, and the marks travel with the request (`selection`).
MULTI_ELEMENTS_MODELS = ("kling-v1-6",)
EDIT_MODES = ("addition", "swap", "removal")
EDIT_MODE_IMAGES = {"addition": (1, 2), "swap": (1, 1), "removal": (0, 0)}
# What a clip's length gives: (low, high) seconds of the clip → the result's duration. CometAPI's page allows
# half a second more (≤5.5 s, ≤10.5 s); so does the studio.
EDIT_CLIP_SECONDS = {"5": (2.0, 5.5), "10": (7.0, 10.5)}
SELECTION_MAX_FRAMES = 10
SELECTION_MAX_POINTS = 10
SELECTION_SESSION_HOURS = 24


def edit_duration_for(seconds: float) -> str:
    """The duration a multi-elements edit of a clip `seconds` long makes: "5", "10", or "" when neither fits."""
    return next((duration for duration, (low, high) in EDIT_CLIP_SECONDS.items() if low - 0.05 <= seconds <= high + 0.05), "")


def check_selection_points(points, *, label="points") -> list:
    """Points as the upstream takes them: 1–10 of {x, y}, each in [0, 1]; returned as plain floats."""
    if not isinstance(points, (list, tuple)) or not 1 <= len(points) <= SELECTION_MAX_POINTS:
        raise GenerationError(
            "invalid_selection", f"{label} must list 1 to {SELECTION_MAX_POINTS} points of a frame.", field="selection"
        )
    checked = []
    for point in points:
        x, y = (point.get("x"), point.get("y")) if isinstance(point, dict) else (None, None)
        if not all(isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1 for value in (x, y)):
            raise GenerationError(
                "invalid_selection", f"each of {label} is {{x, y}} with both between 0 and 1.", field="selection"
            )
        checked.append({"x": float(x), "y": float(y)})
    return checked


def check_selection(selection) -> list:
    """The marks of a multi-elements edit: [{frame_index, points}], at most 10 distinct frames of at most 10
    points each (the upstream's bounds), in frame order."""
    if selection in (None, "", []):
        return []
    if not isinstance(selection, (list, tuple)) or len(selection) > SELECTION_MAX_FRAMES:
        raise GenerationError(
            "invalid_selection", f"selection marks at most {SELECTION_MAX_FRAMES} frames.", field="selection"
        )
    frames = {}
    for entry in selection:
        index = entry.get("frame_index") if isinstance(entry, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise GenerationError("invalid_selection", "each selection entry needs a frame_index of 0 or more.", field="selection")
        if index in frames:
            raise GenerationError("invalid_selection", f"frame {index} is marked twice in selection.", field="selection")
        frames[index] = check_selection_points(entry.get("points"), label=f"selection frame {index}")
    return [{"frame_index": index, "points": frames[index]} for index in sorted(frames)]

# images/generations (POST /v1/images/generations; WHQ25/rawgenai docs/research/kling/image-generation.md, a
# transcription of the official document): a prompt (required, <=2500) and negative_prompt (<=2500, not with a
# reference image), model_name (default kling-v1), an optional reference `image` with `image_reference` subject
# (the character's features) or face (their looks), on kling-v1-5 only, `image_fidelity` (0-1, default 0.5) and
# `human_fidelity` (0-1, default 0.45, only with subject), n 1-9 images, aspect_ratio of eight shapes. kling-v1
# takes no reference image (the ComfyUI Kling image node's documentation), so an image there is refused.
IMAGE_MODELS = ("kling-v1", "kling-v1-5", "kling-v2", "kling-v2-new", "kling-v2-1")
IMAGE_DEFAULT_MODEL = "kling-v1"
IMAGE_REFERENCE_MODELS = ("kling-v1-5", "kling-v2", "kling-v2-new", "kling-v2-1")
IMAGE_REFERENCE_TYPES = ("subject", "face")
IMAGE_REFERENCE_TYPE_MODELS = ("kling-v1-5",)
IMAGE_ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")
IMAGE_COUNT_RANGE = (1, 9)
IMAGE_RESOLUTIONS = ("1k",)  # the studio makes 1K images only; 2k is refused, never dropped

# images/editing/expand (WHQ25/rawgenai docs/research/kling/image-expand.md): `image` (required) grown by
# up/down/left/right_expansion_ratio, each 0-2 times the image's height (up, down) or width (left, right), the new
# image at most 3 times the original's area; an optional prompt (<=2500); n 1-9. The route names no model: the
# studio records its own name for it.
IMAGE_EXPAND_MODEL = "kling-image-expand"
EXPANSION_SIDES = ("up", "down", "left", "right")
EXPANSION_RANGE = (0.0, 2.0)
EXPANSION_MAX_AREA = 3.0
# images/omni-image (omni-image-o1.md): model_name kling-image-o1, a prompt (required, <=2500) naming the inputs of
# image_list as <<<image_N>>> (and element_list as <<<element_N>>>, images and elements at most 10 together),
# resolution 1k|2k, n 1-9, aspect_ratio of the eight shapes or auto (the default). The studio keeps at most 7 input
# images and elements together a generation (OMNI_MAX_IMAGES, as omni-video); elements come from the team's library.
OMNI_IMAGE_MODELS = ("kling-image-o1",)
OMNI_IMAGE_ASPECT_RATIOS = (*IMAGE_ASPECT_RATIOS, "auto")
# images/multi-image2image (multi-image-to-image.md): model_name kling-v2 (default) or kling-v2-1, an optional
# prompt (<=2500), subject_image_list of 1-4 subject images, an optional scene_image and style_image, n 1-9,
# aspect_ratio of the eight shapes (default 16:9).
MULTI_IMAGE2IMAGE_MODELS = ("kling-v2", "kling-v2-1")
MULTI_IMAGE2IMAGE_MAX_SUBJECTS = 4
# Each image kind's models, for the price table (the first is its default).
IMAGE_KIND_MODELS = {IMAGE_GENERATION: IMAGE_MODELS, IMAGE_EXPAND: (IMAGE_EXPAND_MODEL,), OMNI_IMAGE: OMNI_IMAGE_MODELS,
                     MULTI_IMAGE2IMAGE: MULTI_IMAGE2IMAGE_MODELS}
# Fields no image kind takes (each kind refuses the others' as well).
_NOT_FOR_IMAGES = ("image_tail", "parent_id", "effect_scene", "text", "audio", "voice_id", "camera_control", "cfg_scale",
                   "duration", "mode", "remix_of", "video_list", "character_orientation", "keep_original_sound",
                   "sound_effect_prompt", "bgm_prompt", "asmr_mode")

# Sound (WHQ25/rawgenai docs/research/kling/text-to-audio.md and video-to-audio.md, transcriptions of the official
# documents). text-to-audio: a prompt (required, <=200 characters) and a duration of 3.0-10.0 s to one decimal
# (a number, required upstream; the studio defaults to 5.0). video-to-audio: the clip (video_id of a Kling-made
# video of the last 30 days, 3.0-20.0 s; here always a finished clip of the team), optional sound_effect_prompt
# and bgm_prompt (<=200 each) and asmr_mode (boolean). Neither takes a model name: the studio records AUDIO_MODEL.
AUDIO_MODEL = "kling-audio"
AUDIO_PROMPT_MAX_CHARS = 200
TEXT_TO_AUDIO_SECONDS = (3.0, 10.0)
VIDEO_TO_AUDIO_CLIP_SECONDS = (3.0, 20.0)


# effects: single-image scenes take one image and last 5 s; two-person scenes take exactly two images.
SINGLE_IMAGE_EFFECTS = ("bloombloom", "dizzydizzy", "fuzzyfuzzy", "squish", "expansion")
TWO_PERSON_EFFECTS = ("hug", "kiss", "heart_gesture")
EFFECT_SCENES = SINGLE_IMAGE_EFFECTS + TWO_PERSON_EFFECTS
EFFECT_LABELS = {
    "bloombloom": "Bloom", "dizzydizzy": "Dizzy", "fuzzyfuzzy": "Fuzzy", "squish": "Squish", "expansion": "Expand",
    "hug": "Hug", "kiss": "Kiss", "heart_gesture": "Heart gesture",
}
# Scenes that put two real people in an intimate pose: with faces, they need consent or a moderator.
INTIMATE_EFFECTS = ("hug", "kiss", "heart_gesture")
TWO_PERSON_EFFECT_MODELS = ("kling-v1", "kling-v1-5", "kling-v1-6")
SINGLE_IMAGE_EFFECT_MODEL = "kling-v1-6"

# multi-image2video: kling-v1-6 only, 1–4 reference images.
MULTI_IMAGE_MODELS = ("kling-v1-6",)
MULTI_IMAGE_MAX = 4

MODES = ("std", "pro")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
CLASSIC_DURATIONS = ("5", "10")
V3_DURATIONS = tuple(str(n) for n in range(3, 16))

# Native audio (`sound`: on | off). kling-v2-6 in std mode is "only no audio" (capability map): sound needs pro.
SOUND_VALUES = ("on", "off")
SOUND_MODES = {"kling-v2-6": ("pro",), "kling-v3": ("std", "pro")}
# Multi-shot (kling-v3): `shot_type` customize (the caller writes each shot in `multi_prompt`) or
# intelligence (the model cuts the prompt into shots itself). At most 6 shots, each prompt at most 512
# characters, their durations summing to the clip's duration.
MULTI_SHOT_MODELS = ("kling-v3",)
SHOT_TYPES = ("customize", "intelligence")
MAX_SHOTS = 6
MAX_SHOT_PROMPT_CHARS = 512


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
# Named camera moves for the portal, as the camera_control they send.
CAMERA_PRESETS = {
    "zoom_in": ("Push in", {"type": "simple", "config": {"zoom": 5}}),
    "zoom_out": ("Pull out", {"type": "simple", "config": {"zoom": -5}}),
    "pan_left": ("Pan left", {"type": "simple", "config": {"pan": -5}}),
    "pan_right": ("Pan right", {"type": "simple", "config": {"pan": 5}}),
    "tilt_up": ("Tilt up", {"type": "simple", "config": {"tilt": 5}}),
    "tilt_down": ("Tilt down", {"type": "simple", "config": {"tilt": -5}}),
    "roll": ("Roll", {"type": "simple", "config": {"roll": 5}}),
    "down_back": ("Rise and pull back", {"type": "down_back"}),
    "forward_up": ("Push forward and up", {"type": "forward_up"}),
    "right_turn_forward": ("Turn right, moving forward", {"type": "right_turn_forward"}),
    "left_turn_forward": ("Turn left, moving forward", {"type": "left_turn_forward"}),
}
ALL_DURATIONS = V3_DURATIONS
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
    # Checked input images (generations.inputs.images.InputImage) for image→video.
    image: object = None
    image_tail: object = None
    # Further reference images: multi-image→video (1–4, `image` stays None) and two-person effects (2).
    images: tuple = ()
    # Checked input audio (generations.inputs.audio.InputAudio) for lip-sync.
    audio: object = None
    # The public id of the generation this one continues (video-extend, lip-sync) or remixes.
    parent_id: str = ""
    # Kind-specific settings, stored on the generation as `options` (effect scene, lip-sync voice, …).
    options: dict = field(default_factory=dict)
    # A consent record of the team covering the person whose face an input shows.
    consent_id: str = ""
    # The reference images of the elements element_list names, as (name, InputImage), filled in by the submit
    # action from the team's library: screened as input images are, never stored or sent as the generation's own.
    element_images: tuple = ()
    client_reference: str = ""
    callback_url: str = ""

    @property
    def duration_seconds(self) -> int:
        return int(self.duration or 0)  # a still image has no duration

    @property
    def input_images(self) -> tuple:
        """Every input image, in upload order."""
        return tuple(image for image in (self.image, self.image_tail, *self.images) if image is not None)

    @property
    def shots(self) -> tuple:
        """A customised multi-shot script: ({"index", "prompt", "duration"}, ...) in shot order; else ()."""
        return tuple(self.options.get("multi_prompt") or ())

    @property
    def screened_text(self) -> str:
        """What a user wrote that goes upstream: the prompt, or the words a lip-sync makes someone say; an
        avatar sends both (the words it speaks and an optional prompt for its manner), so both are screened;
        with a multi-shot script, the prompt followed by every shot as "Shot N: …" (the whole request, read
        at once)."""
        if self.kind == AVATAR:
            return "\n".join(text for text in (self.options.get("text", ""), self.prompt) if text)
        if self.kind in (OMNI_VIDEO, OMNI_IMAGE, MULTI_ELEMENTS):
            return omni_readable(self.prompt)
        if self.kind == VIDEO_TO_AUDIO:
            return "\n".join(text for text in (self.prompt, self.options.get("bgm_prompt", "")) if text)
        text = self.options.get("text") or self.prompt
        if self.shots:
            text = "\n".join([text, *(f"Shot {shot['index']}: {shot['prompt']}" for shot in self.shots)]).strip()
        return text

    @property
    def screened_segments(self) -> tuple:
        """Texts screened on their own as well as within the whole: (shot number, prompt) per shot."""
        return tuple((shot["index"], shot["prompt"]) for shot in self.shots)


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
    """Check a create request of any kind; raise GenerationError (stable code, field) on the first problem.

    Images and audio arrive already loaded and checked (images.load_image, audio.load_audio); a parent
    arrives as an id, resolved against the team by the submit action.
    """
    _refuse_nul_characters(data)
    kind = data.get("kind") or TEXT2VIDEO
    if kind not in KINDS:
        raise GenerationError("invalid_kind", f"kind must be one of: {', '.join(KINDS)}.", field="kind")
    common = {
        "client_reference": _client_reference(data),
        "callback_url": _callback_url(data),
        "consent_id": _short_text(data, "consent_id", 64),
    }
    validate = {
        TEXT2VIDEO: _classic_request,
        IMAGE2VIDEO: _classic_request,
        MULTI_IMAGE2VIDEO: _multi_image_request,
        VIDEO_EXTEND: _extend_request,
        LIP_SYNC: _lip_sync_request,
        EFFECTS: _effects_request,
        AVATAR: _avatar_request,
        OMNI_VIDEO: _omni_request,
        MOTION_CONTROL: _motion_request,
        MULTI_ELEMENTS: _multi_elements_request,
        IMAGE_GENERATION: _image_request,
        IMAGE_EXPAND: _expand_request,
        OMNI_IMAGE: _omni_image_request,
        MULTI_IMAGE2IMAGE: _multi_image2image_request,
        TEXT_TO_AUDIO: _text_to_audio_request,
        VIDEO_TO_AUDIO: _video_to_audio_request,
    }[kind]
    request = validate(kind, data, default_model=default_model, common=common)
    if _visible_label(data):
        request = dataclasses.replace(request, options={**request.options, "watermark": True})
    return request


def _visible_label(data) -> bool:
    """Whether the caller asked for the visible "AI-generated" mark on this clip (Kling's watermark_info)."""
    value = data.get("watermark", False)
    if not isinstance(value, bool):
        raise GenerationError("invalid_watermark", "watermark must be true or false.", field="watermark")
    return value


def _prompts(data, *, required, inline_negative=False):
    """(prompt, negative_prompt) as sent. With `inline_negative` (kinds whose upstream takes a negative prompt),
    an inline negative section written in the prompt ("…, negative: blur, text", "--no people") is moved into
    the negative prompt (after the one sent in its own field): the model reads a prompt's words as wanted,
    whatever label precedes them, and screening reads each text with its own meaning."""
    prompt = _text(data, "prompt")
    if not prompt and required:
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
    if inline_negative:
        prompt, negative_prompt = with_inline_negative(prompt, negative_prompt)
        if len(negative_prompt) > MAX_PROMPT_CHARS:
            raise GenerationError(
                "negative_prompt_too_long",
                f"negative_prompt and the prompt's inline negative section together cannot be longer than "
                f"{MAX_PROMPT_CHARS} characters; were {len(negative_prompt)}.",
                field="negative_prompt",
            )
    return prompt, negative_prompt


def with_inline_negative(prompt: str, negative_prompt: str = "") -> tuple[str, str]:
    """(prompt, negative_prompt) as a request that takes a negative prompt sends them: the prompt's inline
    negative sections (split_inline_negative) follow the negative prompt of its own field."""
    prompt, inline = split_inline_negative(prompt)
    return prompt, ", ".join(text for text in (negative_prompt, inline) if text)


# An inline negative section, the habit of image-model prompts: a label ("negative:", "negative prompt:",
# "neg:", and the same in the languages such prompts are written in) at the start of the text, of a line or after
# a separator, up to the end of its line, a "|" or a "positive:" label; or Midjourney's "--no a, b" up to the
# next "--" flag or the end of its line.
_NEGATIVE_LABEL = (
    r"negative[ _-]?prompts?|negative[ _-]?tags|negatives?|neg|prompt[ _-]negati(?:vo|f)|negati(?:vo|f|ve)|négatif"
    r"|prompt négatif|negativ(?:er)?[ _-]?prompt|negativ|negatywny[ _-]?prompt|негатив(?:ный|ний)?(?:[ _-]промпт)?"
    r"|负面提示词?|反向提示词?|负面|ネガティブ(?:プロンプト)?|네거티브(?:[ _-]?프롬프트)?|부정[ _-]?프롬프트|prompt[ _-]negatif"
)
_BOUNDARY = r"(?:^|(?<=[\n,;|.!?)\]}#*>、。，；]))[ \t]*+"
_LABELLED_NEGATIVE = re.compile(
    _BOUNDARY + r"(?:" + _NEGATIVE_LABEL + r")[ \t]*+[:：=](?P<text>[^\n|]*+)\|?", re.IGNORECASE | re.MULTILINE
)
_NO_FLAG = re.compile(r"(?:^|(?<=\s))--no[ \t]++(?P<text>[^\n]*+)", re.MULTILINE)
# Where a section ends early: a "positive:" label after a labelled one, the next flag after "--no".
_POSITIVE = r"\bpositive(?:[ _-]?prompt)?[ \t]*+[:：]"
_POSITIVE_LABEL = re.compile(_BOUNDARY + _POSITIVE + r"[ \t]*+", re.IGNORECASE | re.MULTILINE)
_NEXT_FLAG = re.compile(r"\s--[a-z]")
_ENDS_AT = re.compile(r"[,;.]?[ \t]*+" + _POSITIVE, re.IGNORECASE)


def split_inline_negative(prompt: str) -> tuple[str, str]:
    """(the prompt without its inline negative sections and "positive:" labels, the sections' text joined by
    ", "); (prompt, "") when it has none, or when nothing but the sections would be left to send. Every pattern
    here is possessive (no backtracking) and each section is cut with one search of its own text: linear work."""
    sections = []  # (start, end, text), in order, not overlapping
    for pattern, ends in ((_LABELLED_NEGATIVE, _ENDS_AT), (_NO_FLAG, _NEXT_FLAG)):
        for match in pattern.finditer(prompt):
            text, end = match.group("text"), match.end()
            cut = ends.search(text)
            if cut:
                text, end = text[: cut.start()], match.start("text") + cut.start()
            sections.append((match.start(), end, text.strip(" \t,;|")))
    found, kept, at = [], [], 0
    for start, end, text in sorted(sections):
        if start < at:
            continue  # inside a section already taken
        found.append(text)
        kept.append(prompt[at:start])
        at = end
    if not any(found):
        return prompt, ""
    rest = _POSITIVE_LABEL.sub("", "".join(kept) + prompt[at:])
    rest = "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip(" \t,;|") for line in rest.splitlines()).strip()
    if not re.search(r"\w", rest):
        return prompt, ""
    return rest, ", ".join(text for text in found if text)


def _model(data, *, default_model, kind):
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
    return spec


def _duration(data, allowed, model_name):
    duration = data.get("duration", "5")
    # A JSON number is a common slip; accept whole numbers, send the upstream its string.
    if isinstance(duration, int) and not isinstance(duration, bool):
        duration = str(duration)
    if isinstance(duration, float) and duration.is_integer():  # 5.0: the native API's duration also takes sound's floats
        duration = str(int(duration))
    if not isinstance(duration, str) or duration not in allowed:
        raise GenerationError(
            "invalid_duration",
            f"duration must be one of {', '.join(allowed)} (seconds, as a string) for {model_name}.",
            field="duration",
        )
    return duration


def _mode(data):
    mode = data.get("mode") or "std"
    if mode not in MODES:
        raise GenerationError("invalid_mode", "mode must be std or pro.", field="mode")
    return mode


def _aspect_ratio(data):
    aspect_ratio = data.get("aspect_ratio") or "16:9"
    if aspect_ratio not in ASPECT_RATIOS:
        raise GenerationError(
            "invalid_aspect_ratio", f"aspect_ratio must be one of: {', '.join(ASPECT_RATIOS)}.", field="aspect_ratio"
        )
    return aspect_ratio


def _cfg_scale(data, *, supported, model_name):
    cfg_scale = data.get("cfg_scale")
    if cfg_scale is None:
        return None
    if isinstance(cfg_scale, bool) or not isinstance(cfg_scale, (int, float)) or not 0 <= cfg_scale <= 1:
        raise GenerationError("invalid_cfg_scale", "cfg_scale must be a number from 0 to 1.", field="cfg_scale")
    if not supported:
        raise GenerationError("cfg_scale_not_supported", f"{model_name} does not support cfg_scale.", field="cfg_scale")
    return float(cfg_scale)


def _refuse(data, names, kind):
    """Fields that belong to other kinds are refused, not silently dropped."""
    for name in names:
        if data.get(name) not in (None, "", [], ()):
            raise GenerationError("field_not_applicable", f"{name} is not used by {kind}.", field=name)


def _classic_request(kind, data, *, default_model, common):
    _refuse(data, ("images", "parent_id", "effect_scene", "text", "audio", "voice_id"), kind)
    spec = _model(data, default_model=default_model, kind=kind)
    model_name = spec.name
    duration = _duration(data, spec.durations, model_name)
    mode = _mode(data)
    shot_options = _multi_shot(data, model_name=model_name, duration=duration)
    # A customised multi-shot script carries its own prompts: the overall prompt becomes optional.
    custom_script = shot_options.get("shot_type") == "customize"
    prompt, negative_prompt = _prompts(data, required=kind == TEXT2VIDEO and not custom_script, inline_negative=True)
    sound = _sound(data, model_name=model_name, mode=mode)
    # image→video has no aspect_ratio upstream: the clip follows the input image. The older models' doors
    # have always dropped it quietly; kling-v3, new here, refuses it as the official body has no such field.
    if kind == IMAGE2VIDEO and model_name == "kling-v3" and data.get("aspect_ratio") not in (None, ""):
        raise GenerationError(
            "field_not_applicable",
            "aspect_ratio is not a field of image2video: the clip follows the input image.",
            field="aspect_ratio",
        )
    aspect_ratio = _aspect_ratio(data) if kind == TEXT2VIDEO else ""
    cfg_scale = _cfg_scale(data, supported=spec.cfg_scale, model_name=model_name)
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
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name=model_name,
        duration=duration,
        mode=mode,
        aspect_ratio=aspect_ratio,
        cfg_scale=cfg_scale,
        camera_control=camera_control,
        image=image if kind == IMAGE2VIDEO else None,
        image_tail=image_tail if kind == IMAGE2VIDEO else None,
        parent_id=_short_text(data, "remix_of", 64),
        options={**shot_options, **({"sound": sound} if sound == "on" else {})},
        **common,
    )


def _sound(data, *, model_name, mode):
    """`sound`: "on" or "off" (a JSON boolean is accepted too). Only kling-v2-6 (pro) and kling-v3 make audio."""
    value = data.get("sound")
    if value in (None, ""):
        return "off"
    if isinstance(value, bool):
        value = "on" if value else "off"
    if value not in SOUND_VALUES:
        raise GenerationError("invalid_sound", "sound must be on or off.", field="sound")
    if value == "on":
        modes = SOUND_MODES.get(model_name)
        if modes is None:
            raise GenerationError(
                "sound_not_supported", f"model_name {model_name} does not support sound; use kling-v2-6 (pro) or kling-v3.",
                field="sound",
            )
        if mode not in modes:
            raise GenerationError(
                "sound_not_supported", f"{model_name} in {mode} mode is only no audio: sound on needs mode pro.", field="sound"
            )
    return value


def _multi_shot(data, *, model_name, duration):
    """multi_shot / shot_type / multi_prompt, checked as the upstream does; the options to store (or {})."""
    multi_shot = data.get("multi_shot")
    if multi_shot in (None, False):
        for name in ("shot_type", "multi_prompt"):
            if data.get(name) not in (None, "", [], ()):
                raise GenerationError("field_not_applicable", f"{name} is only used with multi_shot true.", field=name)
        return {}
    if multi_shot is not True:
        raise GenerationError("invalid_multi_shot", "multi_shot must be true or false.", field="multi_shot")
    if model_name not in MULTI_SHOT_MODELS:
        raise GenerationError(
            "multi_shot_not_supported", f"model_name {model_name} does not support multi_shot; use kling-v3.", field="multi_shot"
        )
    shots = data.get("multi_prompt")
    # No shot_type: a script given means customize, none means the model cuts the prompt itself.
    shot_type = data.get("shot_type") or ("customize" if shots else "intelligence")
    if shot_type not in SHOT_TYPES:
        raise GenerationError("invalid_shot_type", "shot_type must be customize or intelligence.", field="shot_type")
    if shot_type == "intelligence":
        if shots not in (None, [], ()):
            raise GenerationError(
                "field_not_applicable", "multi_prompt is only used with shot_type customize.", field="multi_prompt"
            )
        return {"multi_shot": True, "shot_type": shot_type}
    return {"multi_shot": True, "shot_type": shot_type, "multi_prompt": _shots(shots, duration)}


def _shots(shots, duration):
    if not isinstance(shots, (list, tuple)) or not shots or not all(isinstance(shot, dict) for shot in shots):
        raise GenerationError(
            "multi_prompt_required", "shot_type customize needs multi_prompt: a list of {index, prompt, duration}.",
            field="multi_prompt",
        )
    if len(shots) > MAX_SHOTS:
        raise GenerationError(
            "too_many_shots", f"multi_prompt takes at most {MAX_SHOTS} shots; was {len(shots)}.", field="multi_prompt"
        )
    checked = []
    for position, shot in enumerate(shots, start=1):
        index = shot.get("index", position)
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if isinstance(index, bool) or not isinstance(index, int):
            raise GenerationError("invalid_multi_prompt", f"multi_prompt[{position - 1}].index must be a whole number.", field="multi_prompt")
        prompt = shot.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise GenerationError("shot_prompt_required", f"Shot {index} needs a prompt.", field="multi_prompt")
        if "\x00" in prompt:
            raise GenerationError("invalid_characters", f"Shot {index}'s prompt contains a NUL character.", field="multi_prompt")
        prompt = prompt.strip()
        if len(prompt) > MAX_SHOT_PROMPT_CHARS:
            raise GenerationError(
                "shot_prompt_too_long",
                f"Shot {index}: prompt cannot be longer than {MAX_SHOT_PROMPT_CHARS} characters; was {len(prompt)}.",
                field="multi_prompt",
            )
        seconds = shot.get("duration")
        if isinstance(seconds, str) and seconds.isdigit():
            seconds = int(seconds)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise GenerationError(
                "invalid_shot_duration", f"Shot {index}: duration must be a whole number of seconds.", field="multi_prompt"
            )
        checked.append({"index": index, "prompt": prompt, "duration": str(seconds)})
    checked.sort(key=lambda shot: shot["index"])
    if [shot["index"] for shot in checked] != list(range(1, len(checked) + 1)):
        raise GenerationError(
            "invalid_multi_prompt", f"multi_prompt indexes must be 1 to {len(checked)}, each once.", field="multi_prompt"
        )
    total = sum(int(shot["duration"]) for shot in checked)
    if total != int(duration):
        raise GenerationError(
            "shot_durations_mismatch",
            f"The shots' durations must sum to duration ({duration} s); they sum to {total} s.",
            field="multi_prompt",
        )
    return checked


def _refuse_sound_and_shots(data, kind):
    """Kinds without native audio or shots: asking for them is refused (sound off, or multi_shot false, is fine)."""
    if data.get("sound") not in (None, "", "off", False):
        raise GenerationError("sound_not_supported", f"sound is not supported by {kind}.", field="sound")
    if data.get("multi_shot") not in (None, False):
        raise GenerationError("multi_shot_not_supported", f"multi_shot is not supported by {kind}.", field="multi_shot")
    _refuse(data, ("shot_type", "multi_prompt"), kind)


def _image_list(data, *, low, high, kind):
    images = data.get("images")
    if images is None and data.get("image") is not None:
        images = [data["image"]]
    if not isinstance(images, (list, tuple)) or not low <= len(images) <= high:
        wanted = f"exactly {low}" if low == high else f"{low} to {high}"
        raise GenerationError("invalid_image_count", f"{kind} takes {wanted} images.", field="images")
    return tuple(images)


def _multi_image_request(kind, data, *, default_model, common):
    _refuse(data, ("image_tail", "parent_id", "effect_scene", "text", "audio", "voice_id", "camera_control"), kind)
    _refuse_sound_and_shots(data, kind)
    prompt, negative_prompt = _prompts(data, required=True, inline_negative=True)
    model_name = data.get("model") or data.get("model_name") or MULTI_IMAGE_MODELS[0]
    if model_name not in MULTI_IMAGE_MODELS:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not support multi-image2video.", field="model"
        )
    spec = MODELS[model_name]
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name=model_name,
        duration=_duration(data, CLASSIC_DURATIONS, model_name),
        mode=_mode(data),
        aspect_ratio=_aspect_ratio(data),
        cfg_scale=_cfg_scale(data, supported=spec.cfg_scale, model_name=model_name),
        images=_image_list(data, low=1, high=MULTI_IMAGE_MAX, kind=kind),
        **common,
    )


def _parent_id(data):
    parent_id = _short_text(data, "parent_id", 64)
    if not parent_id:
        raise GenerationError("parent_required", "Say which clip to continue: parent_id is the id of a generation of your team.", field="parent_id")
    return parent_id


def _extend_request(kind, data, *, default_model, common):
    _refuse(data, ("image", "image_tail", "images", "effect_scene", "text", "audio", "voice_id", "camera_control"), kind)
    _refuse_sound_and_shots(data, kind)
    prompt, negative_prompt = _prompts(data, required=False, inline_negative=True)
    cfg_scale = data.get("cfg_scale")
    if cfg_scale is not None:
        # The parent's model decides whether cfg_scale applies; all extendable models take it.
        cfg_scale = _cfg_scale(data, supported=True, model_name="the parent's model")
    # Model, mode and duration follow the parent; the submit action fills them in.
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name="",
        duration=str(EXTEND_SECONDS),
        cfg_scale=cfg_scale,
        aspect_ratio="",
        parent_id=_parent_id(data),
        **common,
    )


def _speech(data, *, kind_label):
    """Exactly one of `text` (spoken by a voice) or `audio` (an uploaded file, already checked), shared by
    lip-sync and avatar: (text, audio, options)."""
    text = _text(data, "text")
    audio = data.get("audio")
    if audio is not None and text:
        raise GenerationError("options_conflict", "Give either text for a voice to speak or an audio file, not both.", field="audio")
    if audio is not None:
        return text, audio, {}
    if not text:
        raise GenerationError("text_required", f"{kind_label} needs the words to speak (text) or an audio file (audio).", field="text")
    if len(text) > LIP_SYNC_MAX_TEXT:
        raise GenerationError(
            "text_too_long", f"text cannot be longer than {LIP_SYNC_MAX_TEXT} characters; was {len(text)}.", field="text"
        )
    voice_id = data.get("voice_id") or VOICE_IDS[0]
    if voice_id not in VOICE_IDS:
        raise GenerationError("invalid_voice", f"voice_id must be one of: {', '.join(VOICE_IDS)}.", field="voice_id")
    language = data.get("voice_language") or "en"
    if language not in VOICE_LANGUAGES:
        raise GenerationError("invalid_voice_language", "voice_language must be en or zh.", field="voice_language")
    speed = data.get("voice_speed", 1.0)
    low, high = VOICE_SPEED_RANGE
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not low <= speed <= high:
        raise GenerationError("invalid_voice_speed", f"voice_speed must be a number from {low} to {high}.", field="voice_speed")
    return text, None, {"text": text, "voice_id": voice_id, "voice_language": language, "voice_speed": float(speed)}


def _lip_sync_request(kind, data, *, default_model, common):
    _refuse(data, ("image", "image_tail", "images", "effect_scene", "camera_control", "negative_prompt"), kind)
    _refuse_sound_and_shots(data, kind)
    text, audio, voice = _speech(data, kind_label="Lip-sync")
    options = {"mode": "text2video", **voice} if audio is None else {"mode": "audio2video"}
    # The spoken text is what a user wrote: it is screened, searched and shown as the prompt.
    return GenerationRequest(
        kind=kind,
        prompt=text,
        model_name="",
        duration="",
        aspect_ratio="",
        audio=audio,
        options=options,
        parent_id=_parent_id(data),
        **common,
    )


def _avatar_request(kind, data, *, default_model, common):
    """avatar/image2video: one portrait (`image`), the speech (text + voice, or audio), an optional prompt
    (≤2500) for the manner, std or pro. Its length is the speech's: the audio's, or spoken_seconds(text)."""
    _refuse(data, ("image_tail", "images", "parent_id", "effect_scene", "camera_control", "negative_prompt",
                   "cfg_scale", "aspect_ratio", "remix_of"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = data.get("model") or data.get("model_name") or AVATAR_MODEL
    if model_name != AVATAR_MODEL:
        raise GenerationError("model_not_capable", f"An avatar is made by {AVATAR_MODEL}; model cannot be {str(model_name)[:40]!r}.", field="model")
    if data.get("image") is None:
        raise GenerationError("image_required", "An avatar needs a portrait (image).", field="image")
    prompt, _ = _prompts(data, required=False)
    text, audio, voice = _speech(data, kind_label="An avatar")
    if audio is not None:
        seconds = max(AVATAR_MIN_SECONDS, math.ceil(audio.duration_s - 0.05))
        options = {"speech": "audio"}
    else:
        seconds = spoken_seconds(text, voice["voice_speed"])
        options = {"speech": "text", **voice}
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        model_name=AVATAR_MODEL,
        duration=str(seconds),
        mode=_mode(data),
        aspect_ratio="",
        image=data["image"],
        audio=audio,
        options=options,
        **common,
    )


def _omni_list(data, name, *, item_fields, limit):
    entries = data.get(name)
    if entries in (None, "", [], ()):
        return []
    if not isinstance(entries, (list, tuple)) or not all(isinstance(entry, dict) for entry in entries):
        raise GenerationError("invalid_field_type", f"{name} must be a list of objects like {item_fields}.", field=name)
    if len(entries) > limit:
        raise GenerationError(f"too_many_{name.removesuffix('_list')}s", f"{name} takes at most {limit}; was {len(entries)}.", field=name)
    return list(entries)


def _omni_request(kind, data, *, default_model, common):
    """omni-video: a prompt whose <<<image_N>>> / <<<video_N>>> / <<<element_N>>> name the inputs of
    image_list, video_list and element_list. Every reference must name a listed input and every listed
    input must be referenced (a first or end frame excepted: its place in the clip is its type)."""
    _refuse(data, ("image", "image_tail", "images", "parent_id", "effect_scene", "text", "audio", "voice_id",
                   "camera_control", "negative_prompt", "cfg_scale", "remix_of"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = data.get("model") or data.get("model_name") or OMNI_DEFAULT_MODEL
    if model_name not in OMNI_MODELS:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not support omni-video; use {' or '.join(OMNI_MODELS)}.",
            field="model",
        )
    prompt, _ = _prompts(data, required=True)
    images = _omni_list(data, "image_list", item_fields='{"image", "type"}', limit=OMNI_MAX_IMAGES)
    videos = _omni_list(data, "video_list", item_fields='{"video_id", "refer_type", "keep_original_sound"}', limit=OMNI_MAX_VIDEOS)
    elements = _omni_list(data, "element_list", item_fields='{"element_id"}', limit=OMNI_MAX_IMAGES)
    limit = OMNI_MAX_IMAGES_WITH_VIDEO if videos else OMNI_MAX_IMAGES
    if len(images) + len(elements) > limit:
        raise GenerationError(
            "too_many_references",
            f"image_list and element_list together take at most {limit} {'with a video' if videos else 'without a video'}; "
            f"were {len(images) + len(elements)}.",
            field="image_list",
        )
    types = []
    for index, entry in enumerate(images):
        if entry.get("image") is None:
            raise GenerationError("image_required", f"image_list[{index}] needs an image.", field="image_list")
        image_type = entry.get("type") or ""
        if image_type and image_type not in OMNI_IMAGE_TYPES:
            raise GenerationError(
                "invalid_image_type", f"image_list[{index}].type must be first_frame or end_frame (or absent for a reference).",
                field="image_list",
            )
        types.append(image_type)
    if types.count("first_frame") > 1 or types.count("end_frame") > 1:
        raise GenerationError("invalid_image_type", "image_list takes at most one first_frame and one end_frame.", field="image_list")
    if "end_frame" in types:
        if "first_frame" not in types:
            raise GenerationError("invalid_image_type", "An end_frame needs a first_frame in image_list.", field="image_list")
        if len(images) > 2:
            raise GenerationError(
                "invalid_image_type", "An end_frame is not supported with more than 2 images in image_list.", field="image_list"
            )
    video = {}
    if videos:
        entry = videos[0]
        refer_type = entry.get("refer_type") or "base"
        if refer_type not in OMNI_REFER_TYPES:
            raise GenerationError("invalid_refer_type", "video_list[0].refer_type must be feature or base.", field="video_list")
        keep = entry.get("keep_original_sound") or "no"
        if keep not in OMNI_SOUND_CHOICES:
            raise GenerationError(
                "invalid_keep_original_sound", "video_list[0].keep_original_sound must be yes or no.", field="video_list"
            )
        video_id = entry.get("video_id")
        if not isinstance(video_id, str) or not video_id.strip() or len(video_id) > 64:
            raise GenerationError(
                "parent_required", "video_list[0].video_id must be the id of a finished generation of your team.", field="video_list"
            )
        video = {"video_id": video_id.strip(), "refer_type": refer_type, "keep_original_sound": keep}
    _check_omni_references(prompt, {"image": types, "video": videos, "element": elements})
    # The ids only: which element each names, and whether the team may use it, is the submit action's to resolve.
    element_ids = _element_ids(elements)
    editing = video.get("refer_type") == "base"
    if editing and any(types):
        raise GenerationError(
            "options_conflict", "A first_frame or end_frame cannot be combined with a base video to edit.", field="image_list"
        )
    framed = "first_frame" in types
    if editing:
        if data.get("duration") not in (None, ""):
            raise GenerationError(
                "field_not_applicable", "duration is not used when editing a video (refer_type base): the clip keeps its length.",
                field="duration",
            )
        duration = ""  # the clip's, filled in from the video by the submit action
    else:
        plain = not videos and not elements and (not images or types == ["first_frame"])
        allowed = CLASSIC_DURATIONS if plain and model_name == "kling-video-o1" else OMNI_DURATIONS[model_name]
        duration = _duration(data, allowed, model_name)
    if (editing or framed) and data.get("aspect_ratio") not in (None, ""):
        raise GenerationError(
            "field_not_applicable",
            "aspect_ratio is not used with a first frame or a video to edit: the clip follows its input.",
            field="aspect_ratio",
        )
    aspect_ratio = "" if editing or framed else _aspect_ratio(data)
    options = {"image_types": types}
    if element_ids:
        options["element_ids"] = element_ids
    if video:
        options["video"] = {name: video[name] for name in ("refer_type", "keep_original_sound")}
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        model_name=model_name,
        duration=duration,
        mode=data.get("mode") and _mode(data) or "pro",
        aspect_ratio=aspect_ratio,
        images=tuple(entry["image"] for entry in images),
        parent_id=video.get("video_id", ""),
        options=options,
        **common,
    )


def _check_omni_references(prompt, listed):
    """Every <<<kind_N>>> names a listed input; every listed input (frames excepted) is named."""
    found = omni_references(prompt)
    for what, entries in listed.items():
        name = OMNI_LISTS[what]
        count = len(entries)
        for number in sorted(found[what]):
            if not 1 <= number <= count:
                has = f"has {count}" if count else "is empty"
                raise GenerationError(
                    "reference_not_found",
                    f"The prompt refers to <<<{what}_{number}>>>, but {name} {has}: each <<<{what}_N>>> must name an entry of {name}.",
                    field=name,
                )
        for position, entry in enumerate(entries, start=1):
            if what == "image" and entry:  # a first_frame / end_frame is placed by its type
                continue
            if position not in found[what]:
                raise GenerationError(
                    "reference_unused",
                    f"{name}[{position - 1}] is never referred to in the prompt: write <<<{what}_{position}>>> where it belongs, "
                    "or remove it.",
                    field=name,
                )


def _motion_request(kind, data, *, default_model, common):
    """motion-control: the character image (`image`), the motion clip (`parent_id`: a finished clip of the
    team), character_orientation (required, as upstream), keep_original_sound, mode and an optional prompt. The
    clip gives the result its length, filled in by the submit action once the clip is known."""
    _refuse(data, ("image_tail", "images", "effect_scene", "text", "audio", "voice_id", "camera_control",
                   "negative_prompt", "cfg_scale", "aspect_ratio", "duration", "remix_of", "image_list", "video_list",
                   "element_list"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = data.get("model") or data.get("model_name") or MOTION_DEFAULT_MODEL
    if model_name not in MOTION_MODELS:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not do motion control; use {' or '.join(MOTION_MODELS)}.",
            field="model",
        )
    if data.get("image") is None:
        raise GenerationError("image_required", "Motion control needs the character's image (image).", field="image")
    orientation = data.get("character_orientation")
    if orientation in (None, ""):
        raise GenerationError(
            "orientation_required", "character_orientation is required: image (the character faces as in the image) or video.",
            field="character_orientation",
        )
    if orientation not in MOTION_ORIENTATIONS:
        raise GenerationError(
            "invalid_character_orientation", "character_orientation must be image or video.", field="character_orientation"
        )
    keep = data.get("keep_original_sound")
    keep = "yes" if keep in (None, "") else keep
    if keep not in MOTION_SOUND_CHOICES:
        raise GenerationError(
            "invalid_keep_original_sound", "keep_original_sound must be yes or no.", field="keep_original_sound"
        )
    prompt, _ = _prompts(data, required=False)
    parent_id = _short_text(data, "parent_id", 64)
    if not parent_id:
        raise GenerationError(
            "parent_required", "Say which clip gives the motion: parent_id is the id of a finished generation of your team.",
            field="parent_id",
        )
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        model_name=model_name,
        duration="",  # the clip's, filled in from the video by the submit action
        mode=_mode(data),
        aspect_ratio="",
        image=data["image"],
        parent_id=parent_id,
        options={"character_orientation": orientation, "keep_original_sound": keep},
        **common,
    )


def _multi_elements_request(kind, data, *, default_model, common):
    """multi-elements: edit a finished clip of the team (`parent_id`): edit_mode addition (1–2 `images`), swap
    (exactly one) or removal (none), the marks (`selection`: required to swap or remove, which change an element
    already there), a required prompt and a negative_prompt, std|pro. duration is the clip's (5 for 2–5 s, 10 for
    7–10 s): when given it must agree, which the submit action checks once the clip is known."""
    _refuse(data, ("image", "image_tail", "effect_scene", "text", "audio", "voice_id", "camera_control", "cfg_scale",
                   "aspect_ratio", "remix_of", "image_list", "video_list", "element_list", "character_orientation",
                   "keep_original_sound"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = data.get("model") or data.get("model_name") or MULTI_ELEMENTS_MODELS[0]
    if model_name not in MULTI_ELEMENTS_MODELS:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not edit clips; use {' or '.join(MULTI_ELEMENTS_MODELS)}.",
            field="model",
        )
    edit_mode = data.get("edit_mode")
    if edit_mode in (None, ""):
        raise GenerationError("edit_mode_required", "edit_mode is required: addition, swap or removal.", field="edit_mode")
    if edit_mode not in EDIT_MODES:
        raise GenerationError("invalid_edit_mode", "edit_mode must be addition, swap or removal.", field="edit_mode")
    images = tuple(data.get("images") or ())
    low, high = EDIT_MODE_IMAGES[edit_mode]
    if not low <= len(images) <= high:
        wanted = "no images" if high == 0 else (f"exactly {low} image" if low == high else f"{low} to {high} images")
        raise GenerationError("invalid_image_count", f"edit_mode {edit_mode} takes {wanted} in image_list.", field="images")
    selection = check_selection(data.get("selection"))
    if edit_mode != "addition" and not selection:
        raise GenerationError(
            "selection_required", f"edit_mode {edit_mode} changes an element of the clip: mark it first (selection).",
            field="selection",
        )
    duration = data.get("duration")
    duration = "" if duration in (None, "") else str(duration)
    if duration and duration not in EDIT_CLIP_SECONDS:
        raise GenerationError("invalid_duration", "duration must be 5 or 10 (the clip's length decides).", field="duration")
    prompt, negative_prompt = _prompts(data, required=True, inline_negative=True)
    parent_id = _short_text(data, "parent_id", 64)
    if not parent_id:
        raise GenerationError(
            "parent_required", "Say which clip to edit: parent_id is the id of a finished generation of your team.",
            field="parent_id",
        )
    options = {"edit_mode": edit_mode, "selection": selection}
    session_id = _short_text(data, "session_id", 64)  # the Kling door's selection session, reported back on the result
    if session_id:
        options["session_id"] = session_id
    return GenerationRequest(
        kind=kind, prompt=prompt, negative_prompt=negative_prompt, model_name=model_name, duration=duration, mode=_mode(data),
        aspect_ratio="", images=images, parent_id=parent_id, options=options, **common,
    )


def _fidelity(data, name, *, default):
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise GenerationError(f"invalid_{name}", f"{name} must be a number from 0 to 1.", field=name)
    return float(value)


def _image_request(kind, data, *, default_model, common):
    """images/generations: n still images (1–9) from a prompt at one of eight shapes, optionally guided by one
    reference image (kling-v1-5 says whether it is the character's features, `subject`, or their looks,
    `face`, and how closely to follow it)."""
    _refuse(data, ("image_tail", "images", "parent_id", "effect_scene", "text", "audio", "voice_id", "camera_control",
                   "cfg_scale", "duration", "mode", "remix_of", "image_list", "video_list", "element_list",
                   "character_orientation", "keep_original_sound", "scene_image", "style_image"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = data.get("model") or data.get("model_name") or IMAGE_DEFAULT_MODEL
    if model_name not in IMAGE_MODELS:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not make images; use one of {', '.join(IMAGE_MODELS)}.",
            field="model",
        )
    prompt, negative_prompt = _prompts(data, required=True, inline_negative=data.get("image") is None)
    count = _image_count(data)
    aspect_ratio = _image_shape(data, IMAGE_ASPECT_RATIOS, "16:9")
    _image_resolution(data)
    image = data.get("image")
    reference = data.get("image_reference") or ""
    options = {"n": count}
    if image is None:
        for name in ("image_reference", "image_fidelity", "human_fidelity"):
            if data.get(name) not in (None, ""):
                raise GenerationError("image_required", f"{name} describes a reference image: send one in image.", field=name)
    else:
        if model_name not in IMAGE_REFERENCE_MODELS:
            raise GenerationError(
                "model_not_capable", f"{model_name} takes no reference image; use {' or '.join(IMAGE_REFERENCE_MODELS)}.",
                field="image",
            )
        if negative_prompt:
            raise GenerationError(
                "field_not_applicable", "negative_prompt is not supported with a reference image (image to image).",
                field="negative_prompt",
            )
        if model_name in IMAGE_REFERENCE_TYPE_MODELS:
            if reference not in IMAGE_REFERENCE_TYPES:
                raise GenerationError(
                    "invalid_image_reference", f"With a reference image, {model_name} needs image_reference subject or face.",
                    field="image_reference",
                )
            options["image_reference"] = reference
        elif reference:
            raise GenerationError(
                "field_not_applicable", f"image_reference is only used by {', '.join(IMAGE_REFERENCE_TYPE_MODELS)}.",
                field="image_reference",
            )
        options["image_fidelity"] = _fidelity(data, "image_fidelity", default=0.5)
        if data.get("human_fidelity") is not None:
            if reference != "subject":
                raise GenerationError(
                    "field_not_applicable", "human_fidelity is only used with image_reference subject.", field="human_fidelity"
                )
            options["human_fidelity"] = _fidelity(data, "human_fidelity", default=0.45)
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        negative_prompt=negative_prompt,
        model_name=model_name,
        duration="",  # a still has none
        mode="std",
        aspect_ratio=aspect_ratio,
        image=image,
        options=options,
        **common,
    )


def _image_count(data):
    """n: how many stills, 1-9 (default 1)."""
    count = data.get("n", 1)
    if isinstance(count, str) and count.isdigit():
        count = int(count)
    low, high = IMAGE_COUNT_RANGE
    if isinstance(count, bool) or not isinstance(count, int) or not low <= count <= high:
        raise GenerationError("invalid_image_count", f"n must be a whole number from {low} to {high}.", field="n")
    return count


def _image_shape(data, allowed, default):
    aspect_ratio = data.get("aspect_ratio") or default
    if aspect_ratio not in allowed:
        raise GenerationError("invalid_aspect_ratio", f"aspect_ratio must be one of: {', '.join(allowed)}.", field="aspect_ratio")
    return aspect_ratio


def _image_resolution(data):
    resolution = data.get("resolution") or "1k"
    if resolution not in IMAGE_RESOLUTIONS:
        raise GenerationError("resolution_not_supported", "resolution must be 1k: this studio makes 1K images only.",
                              field="resolution")
    return resolution


def _image_model(data, models, kind):
    model_name = data.get("model") or data.get("model_name") or models[0]
    if model_name not in models:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not do {kind}; use {' or '.join(models)}.", field="model"
        )
    return model_name


def _expansion_ratio(data, side):
    name = f"{side}_expansion_ratio"
    value = data.get(name, 0)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    low, high = EXPANSION_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise GenerationError("invalid_expansion_ratio", f"{name} must be a number from {low:g} to {high:g}.", field=name)
    return float(value)


def _expand_request(kind, data, *, default_model, common):
    """images/editing/expand: `image` grown outward by a ratio of its height (up, down) or width (left, right),
    the new canvas filled to match it and an optional prompt; n stills."""
    _refuse(data, (*_NOT_FOR_IMAGES, "images", "image_list", "element_list", "negative_prompt", "aspect_ratio",
                   "image_reference", "image_fidelity", "human_fidelity", "scene_image", "style_image"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = _image_model(data, (IMAGE_EXPAND_MODEL,), kind)
    prompt, _ = _prompts(data, required=False)
    if data.get("image") is None:
        raise GenerationError("image_required", "images/editing/expand needs the image to expand in image.", field="image")
    ratios = {side: _expansion_ratio(data, side) for side in EXPANSION_SIDES}
    if not any(ratios.values()):
        raise GenerationError("expansion_required", "Say how far to expand: at least one *_expansion_ratio above 0.",
                              field="up_expansion_ratio")
    area = (1 + ratios["up"] + ratios["down"]) * (1 + ratios["left"] + ratios["right"])
    if area > EXPANSION_MAX_AREA + 1e-9:
        raise GenerationError(
            "expansion_too_large",
            f"The expanded image may be at most {EXPANSION_MAX_AREA:g} times the original's area; these ratios make it {area:.2f} times.",
            field="up_expansion_ratio",
        )
    options = {"n": _image_count(data), **{f"{side}_expansion_ratio": ratios[side] for side in EXPANSION_SIDES}}
    return GenerationRequest(kind=kind, prompt=prompt, model_name=model_name, duration="", mode="std", aspect_ratio="",
                             image=data["image"], options=options, **common)


def _omni_image_request(kind, data, *, default_model, common):
    """images/omni-image: kling-image-o1 makes n stills from a prompt that names the images of image_list as
    <<<image_N>>>; every reference names a listed image and every listed image is referenced (omni-video's rule)."""
    _refuse(data, (*_NOT_FOR_IMAGES, "image", "images", "negative_prompt", "image_reference", "image_fidelity",
                   "human_fidelity", "scene_image", "style_image"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = _image_model(data, OMNI_IMAGE_MODELS, kind)
    prompt, _ = _prompts(data, required=True)
    images = _omni_list(data, "image_list", item_fields='{"image"}', limit=OMNI_MAX_IMAGES)
    elements = _omni_list(data, "element_list", item_fields='{"element_id"}', limit=OMNI_MAX_IMAGES)
    for index, entry in enumerate(images):
        if entry.get("image") is None:
            raise GenerationError("image_required", f"image_list[{index}] needs an image.", field="image_list")
        if entry.get("type") not in (None, ""):
            raise GenerationError("field_not_applicable", f"image_list[{index}].type is not used by {kind}.", field="image_list")
    _check_omni_references(prompt, {"image": [""] * len(images), "video": [], "element": elements})
    element_ids = _element_ids(elements)
    if len(images) + len(element_ids) > OMNI_MAX_IMAGES:
        raise GenerationError(
            "too_many_references", f"image_list and element_list together take at most {OMNI_MAX_IMAGES}; were "
            f"{len(images) + len(element_ids)}.", field="image_list",
        )
    _image_resolution(data)
    options = {"n": _image_count(data), **({"element_ids": element_ids} if element_ids else {})}
    return GenerationRequest(kind=kind, prompt=prompt, model_name=model_name, duration="", mode="std",
                             aspect_ratio=_image_shape(data, OMNI_IMAGE_ASPECT_RATIOS, "auto"),
                             images=tuple(entry["image"] for entry in images), options=options, **common)


def _multi_image2image_request(kind, data, *, default_model, common):
    """images/multi-image2image: n stills of 1-4 subjects (`images`, the upstream's subject_image_list), optionally
    in the scene of `scene_image` and the style of `style_image`, from an optional prompt. The images are kept in
    that order: the subjects, then the scene, then the style."""
    _refuse(data, (*_NOT_FOR_IMAGES, "image", "image_list", "element_list", "negative_prompt", "image_reference",
                   "image_fidelity", "human_fidelity", "resolution"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = _image_model(data, MULTI_IMAGE2IMAGE_MODELS, kind)
    prompt, _ = _prompts(data, required=False)
    subjects = data.get("images")
    if not isinstance(subjects, (list, tuple)) or not 1 <= len(subjects) <= MULTI_IMAGE2IMAGE_MAX_SUBJECTS:
        raise GenerationError(
            "invalid_image_count", f"{kind} takes 1 to {MULTI_IMAGE2IMAGE_MAX_SUBJECTS} subject images.", field="images"
        )
    extra = [name for name in ("scene_image", "style_image") if data.get(name) is not None]
    options = {"n": _image_count(data), "subjects": len(subjects), **{name: True for name in extra}}
    return GenerationRequest(kind=kind, prompt=prompt, model_name=model_name, duration="", mode="std",
                             aspect_ratio=_image_shape(data, IMAGE_ASPECT_RATIOS, "16:9"),
                             images=(*subjects, *(data[name] for name in extra)), options=options, **common)


# -- sound ------------------------------------------------------------------------------------------------

_NOT_FOR_SOUND = ("image", "image_tail", "images", "effect_scene", "text", "audio", "voice_id", "camera_control",
                  "negative_prompt", "cfg_scale", "aspect_ratio", "mode", "remix_of", "image_list", "video_list",
                  "element_list", "character_orientation", "keep_original_sound", "n", "image_reference",
                  "image_fidelity", "human_fidelity", "resolution", "scene_image", "style_image",
                  *(f"{side}_expansion_ratio" for side in EXPANSION_SIDES))


def _sound_text(data, name, *, required=False):
    """A sound prompt: text of at most AUDIO_PROMPT_MAX_CHARS characters (the upstream's limit)."""
    text = _text(data, name)
    if required and not text:
        raise GenerationError("prompt_required", f"{name} is required: describe the sound.", field=name)
    if len(text) > AUDIO_PROMPT_MAX_CHARS:
        raise GenerationError(
            f"{name}_too_long", f"{name} cannot be longer than {AUDIO_PROMPT_MAX_CHARS} characters; was {len(text)}.",
            field=name,
        )
    return text


def _sound_model(data, kind):
    model_name = data.get("model") or data.get("model_name") or AUDIO_MODEL
    if model_name != AUDIO_MODEL:
        raise GenerationError(
            "model_not_capable", f"model_name {str(model_name)[:40]} does not make sound; {kind} takes no model "
            f"(or {AUDIO_MODEL}).", field="model",
        )
    return model_name


def _text_to_audio_request(kind, data, *, default_model, common):
    """audio/text-to-audio: a sound effect or ambience described by `prompt` (<=200), 3.0-10.0 s long (to a
    tenth of a second). The exact length travels in options["seconds"]; `duration` is it rounded up, for pricing."""
    _refuse(data, (*_NOT_FOR_SOUND, "parent_id", "sound_effect_prompt", "bgm_prompt", "asmr_mode"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = _sound_model(data, kind)
    prompt = _sound_text(data, "prompt", required=True)
    seconds = data.get("duration", 5.0)
    if isinstance(seconds, str):
        try:
            seconds = float(seconds)
        except ValueError:
            seconds = None
    low, high = TEXT_TO_AUDIO_SECONDS
    if (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not low <= seconds <= high
            or abs(seconds * 10 - round(seconds * 10)) > 1e-6):
        raise GenerationError(
            "invalid_duration", f"duration must be a number of seconds from {low:g} to {high:g}, to one decimal.",
            field="duration",
        )
    seconds = round(float(seconds), 1)
    return GenerationRequest(
        kind=kind, prompt=prompt, model_name=model_name, duration=str(math.ceil(seconds)), mode="std", aspect_ratio="",
        options={"seconds": seconds}, **common,
    )


def _video_to_audio_request(kind, data, *, default_model, common):
    """audio/video-to-audio: sound effects (and music) for a finished clip of the team (`parent_id`), guided by
    optional sound_effect_prompt and bgm_prompt (<=200 each, both screened) and asmr_mode. The clip's length
    (3-20 s, checked by the submit action) is the price's and the result's."""
    _refuse(data, (*_NOT_FOR_SOUND, "duration"), kind)
    _refuse_sound_and_shots(data, kind)
    model_name = _sound_model(data, kind)
    if data.get("prompt") not in (None, ""):
        raise GenerationError(
            "field_not_applicable", "prompt is not used by audio/video-to-audio: use sound_effect_prompt and bgm_prompt.",
            field="prompt",
        )
    effects = _sound_text(data, "sound_effect_prompt")
    music = _sound_text(data, "bgm_prompt")
    asmr = data.get("asmr_mode", False)
    if asmr in ("true", "false"):
        asmr = asmr == "true"
    if not isinstance(asmr, bool):
        raise GenerationError("invalid_asmr_mode", "asmr_mode must be true or false.", field="asmr_mode")
    parent_id = _short_text(data, "parent_id", 64)
    if not parent_id:
        raise GenerationError(
            "parent_required", "Say which clip gets the sound: parent_id is the id of a finished generation of your team.",
            field="parent_id",
        )
    options = {"asmr_mode": asmr}
    if music:
        options["bgm_prompt"] = music
    return GenerationRequest(
        kind=kind, prompt=effects, model_name=model_name, duration="", mode="std", aspect_ratio="", parent_id=parent_id,
        options=options, **common,
    )


def _effects_request(kind, data, *, default_model, common):
    _refuse(data, ("image_tail", "parent_id", "text", "audio", "voice_id", "camera_control", "negative_prompt"), kind)
    _refuse_sound_and_shots(data, kind)
    scene = data.get("effect_scene")
    if scene not in EFFECT_SCENES:
        raise GenerationError("invalid_effect_scene", f"effect_scene must be one of: {', '.join(EFFECT_SCENES)}.", field="effect_scene")
    prompt, _ = _prompts(data, required=False)  # not sent upstream; a note for the team's history
    if scene in TWO_PERSON_EFFECTS:
        model_name = data.get("model") or data.get("model_name") or SINGLE_IMAGE_EFFECT_MODEL
        if model_name not in TWO_PERSON_EFFECT_MODELS:
            raise GenerationError(
                "model_not_capable", f"The {scene} effect runs on {', '.join(TWO_PERSON_EFFECT_MODELS)}.", field="model"
            )
        images = _image_list(data, low=2, high=2, kind=f"the {scene} effect")
        duration, mode = _duration(data, CLASSIC_DURATIONS, model_name), _mode(data)
    else:
        model_name = SINGLE_IMAGE_EFFECT_MODEL
        images = _image_list(data, low=1, high=1, kind=f"the {scene} effect")
        duration, mode = _duration(data, ("5",), f"the {scene} effect"), "std"
    return GenerationRequest(
        kind=kind,
        prompt=prompt,
        model_name=model_name,
        duration=duration,
        mode=mode,
        aspect_ratio="",
        images=images,
        options={"effect_scene": scene},
        **common,
    )


def _short_text(data, name, limit):
    value = data.get(name)
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise GenerationError(f"invalid_{name}", f"{name} must be text of at most {limit} characters.", field=name)
    return value.strip()


def _client_reference(data):
    client_reference = data.get("external_task_id") or data.get("client_reference") or ""
    if not isinstance(client_reference, str) or len(client_reference) > 64:
        raise GenerationError("invalid_external_task_id", "external_task_id must be text of at most 64 characters.", field="external_task_id")
    return client_reference


def _callback_url(data):
    callback_url = data.get("callback_url") or ""
    if not isinstance(callback_url, str) or len(callback_url) > 500 or (
        callback_url and not callback_url.lower().startswith(("http://", "https://"))
    ):
        raise GenerationError("invalid_callback_url", "callback_url must be an http(s) URL of at most 500 characters.", field="callback_url")
    return callback_url


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


# --- the element library (the upstream's "custom elements": POST /v1/general/advanced-custom-elements) ----------
# A team's saved subject, named in omni-video and omni-image prompts as <<<element_N>>>. Learnt from third-party SDKs
# and gateways, not the official page: element_name (required, <=20 characters), element_description (required,
# <=100), reference_type image_refer (a frontal image and 1-3 more, `refer_images`) or video_refer (one clip),
# tag_list of the upstream's tag ids, an optional element_voice_id (this studio keeps no voice library: refused).
# `ELEMENT` is not a generation kind: it names an element's creation where the screening's rules need a kind.
ELEMENT = "element"
ELEMENT_NAME_MAX = 20
ELEMENT_DESCRIPTION_MAX = 100
IMAGE_REFER, VIDEO_REFER = "image_refer", "video_refer"
ELEMENT_REFERENCE_TYPES = (IMAGE_REFER, VIDEO_REFER)
ELEMENT_REFER_IMAGES = (1, 3)
ELEMENT_TAGS = {"o_101": "Hot meme", "o_102": "Person", "o_103": "Animal", "o_104": "Prop", "o_105": "Clothing",
                "o_106": "Scene", "o_107": "Effect", "o_108": "Other"}
# Public element ids: int64-looking numbers, kept below 2**53 so a JavaScript client reads them exactly.
ELEMENT_ID_RANGE = (10**15, 9 * 10**15)
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class ElementRequest:
    """A validated element: what the studio screens, stores and (when a generation uses it) creates upstream."""

    name: str
    description: str
    reference_type: str
    # Checked images (generations.inputs.images.InputImage): the frontal one, then 1-3 more (image_refer).
    frontal_image: object = None
    refer_images: tuple = ()
    # video_refer: the public id of a finished clip of the team.
    clip_id: str = ""
    tags: tuple = ()
    consent_id: str = ""
    client_reference: str = ""

    @property
    def images(self) -> tuple:
        return tuple(image for image in (self.frontal_image, *self.refer_images) if image is not None)

    @property
    def screened_text(self) -> str:
        """The element's name and description, read together as one text (as a prompt is)."""
        return f"{self.name}\n{self.description}"


def validate_element_request(data: dict) -> ElementRequest:
    """Check an element's creation (images already loaded, see inputs.loading.load_element_inputs); raise
    GenerationError with a stable code on the first problem. Nothing the caller sent is silently dropped."""
    _refuse_nul_characters(data)
    if data.get("element_voice_id") not in (None, ""):
        raise GenerationError(
            "element_voice_not_supported", "element_voice_id is not supported: this studio keeps no voice library.",
            field="element_voice_id",
        )
    if data.get("callback_url") not in (None, ""):
        raise GenerationError(
            "field_not_applicable", "callback_url is not used for elements: an element is ready when created, or when a "
            "moderator decides (query it).", field="callback_url",
        )
    name = _text(data, "element_name")
    if not name:
        raise GenerationError("element_name_required", "element_name is required.", field="element_name")
    if len(name) > ELEMENT_NAME_MAX:
        raise GenerationError("element_name_too_long", f"element_name takes at most {ELEMENT_NAME_MAX} characters; was {len(name)}.",
                              field="element_name")
    description = _text(data, "element_description")
    if not description:
        raise GenerationError("element_description_required", "element_description is required.", field="element_description")
    if len(description) > ELEMENT_DESCRIPTION_MAX:
        raise GenerationError(
            "element_description_too_long",
            f"element_description takes at most {ELEMENT_DESCRIPTION_MAX} characters; was {len(description)}.",
            field="element_description",
        )
    reference_type = data.get("reference_type") or IMAGE_REFER
    if reference_type not in ELEMENT_REFERENCE_TYPES:
        raise GenerationError("invalid_reference_type", "reference_type must be image_refer or video_refer.", field="reference_type")
    frontal, refers, clip_id = data.get("frontal_image"), tuple(data.get("refer_images") or ()), ""
    low, high = ELEMENT_REFER_IMAGES
    if reference_type == IMAGE_REFER:
        if data.get("clip_id") not in (None, ""):
            raise GenerationError("field_not_applicable", "A video is only used with reference_type video_refer.", field="element_video_list")
        if frontal is None:
            raise GenerationError("frontal_image_required", "image_refer needs a frontal_image.", field="element_image_list")
        if not low <= len(refers) <= high:
            raise GenerationError(
                "invalid_refer_image_count", f"image_refer takes {low} to {high} refer_images besides the frontal one; were {len(refers)}.",
                field="element_image_list",
            )
    else:
        if frontal is not None or refers:
            raise GenerationError("field_not_applicable", "Images are only used with reference_type image_refer.", field="element_image_list")
        clip_id = _short_text(data, "clip_id", 64)
        if not clip_id:
            raise GenerationError(
                "element_video_required", "video_refer needs one clip: a finished clip of your team (its id or this studio's URL).",
                field="element_video_list",
            )
    return ElementRequest(
        name=name, description=description, reference_type=reference_type, frontal_image=frontal, refer_images=refers,
        clip_id=clip_id, tags=_element_tags(data.get("tag_list")), consent_id=_short_text(data, "consent_id", 64),
        client_reference=_client_reference(data),
    )


def _element_tags(value) -> tuple:
    """tag_list [{"tag_id": "o_101"}, ...] (or plain ids): the upstream's tag ids, each once, in the order given."""
    if value in (None, "", []):
        return ()
    if not isinstance(value, (list, tuple)) or len(value) > len(ELEMENT_TAGS):
        raise GenerationError("invalid_tag_list", f'tag_list is a list of at most {len(ELEMENT_TAGS)} {{"tag_id": "o_101"}}.',
                              field="tag_list")
    tags = []
    for entry in value:
        tag = entry.get("tag_id") if isinstance(entry, dict) else entry
        if tag not in ELEMENT_TAGS:
            raise GenerationError("invalid_tag_list", f"tag_id must be one of {', '.join(ELEMENT_TAGS)}.", field="tag_list")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def element_id_of(value, *, label="element_id") -> int:
    """An element id as sent (a JSON integer, or its digits as text) as an int; GenerationError otherwise."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _INT64_MAX:
        raise GenerationError("invalid_element_id", f"{label} must be an element's id (a positive whole number).",
                              field="element_list")
    return value


def _element_ids(elements) -> list:
    """element_list's ids, in prompt order (<<<element_N>>> is the Nth), each at most once."""
    ids = [element_id_of(entry.get("element_id"), label=f"element_list[{index}].element_id") for index, entry in enumerate(elements)]
    if len(set(ids)) != len(ids):
        raise GenerationError("duplicate_element", "element_list names the same element twice.", field="element_list")
    return ids
