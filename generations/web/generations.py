"""Portal views: thin. They check access, call actions, and render."""

import datetime
import json
import os
import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import Actor
from accounts.errors import AccountError
from accounts.models import StandingLevel
from accounts.ratelimit import RateLimited, check_prompt_check_rate
from accounts.selectors import current_membership, membership_or_404
from accounts.standing import current_standing
from generations.actions.elements import team_elements
from generations.actions.generation import do_cancel_generation, do_submit_generation, screen_request, screening_history
from generations.actions.review import CONTEXT_MAX_CHARS, do_add_review_context, do_withdraw_held
from generations.actions.review_queue import estimate_review_wait, wait_in_words
from generations.catalog import (
    ALL_DURATIONS,
    ASPECT_RATIOS,
    AUDIO_MODEL,
    AUDIO_PROMPT_MAX_CHARS,
    AVATAR,
    AVATAR_MODEL,
    CAMERA_CONTROL_ALLOWED,
    CAMERA_PRESETS,
    EFFECT_SCENES,
    EXPANSION_RANGE,
    EXPANSION_SIDES,
    EXTEND_SECONDS,
    IMAGE2VIDEO,
    IMAGE_ASPECT_RATIOS,
    IMAGE_COUNT_RANGE,
    IMAGE_DEFAULT_MODEL,
    IMAGE_EXPAND,
    IMAGE_GENERATION,
    IMAGE_KIND_MODELS,
    IMAGE_KINDS,
    IMAGE_MODELS,
    IMAGE_REFERENCE_TYPES,
    IMAGE_TAIL_MODES,
    KIND_LABELS,
    KINDS,
    LIP_SYNC,
    LIP_SYNC_MAX_TEXT,
    MAX_PROMPT_CHARS,
    MAX_SHOT_PROMPT_CHARS,
    MAX_SHOTS,
    MODELS,
    MODES,
    MOTION_CONTROL,
    MOTION_MODELS,
    MULTI_ELEMENTS,
    MULTI_ELEMENTS_MODELS,
    MULTI_IMAGE2IMAGE,
    MULTI_IMAGE2IMAGE_MODELS,
    MULTI_SHOT_MODELS,
    OMNI_DURATIONS,
    OMNI_IMAGE,
    OMNI_IMAGE_ASPECT_RATIOS,
    OMNI_IMAGE_MODELS,
    OMNI_MODELS,
    OMNI_VIDEO,
    SINGLE_IMAGE_EFFECT_MODEL,
    SOUND_MODES,
    TEXT2VIDEO,
    TEXT_TO_AUDIO,
    TEXT_TO_AUDIO_SECONDS,
    TWO_PERSON_EFFECT_MODELS,
    TWO_PERSON_EFFECTS,
    VIDEO_EXTEND,
    VIDEO_TO_AUDIO,
    VOICE_IDS,
    VOICE_LABELS,
    GenerationRequest,
    spoken_seconds,
    validate_generation_request,
    with_inline_negative,
)
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs, parse_json_body
from generations.models import (
    OUTPUT_IMAGE_ROLES,
    AssetRole,
    ConsentRecord,
    ElementStatus,
    GalleryItem,
    ReviewDecision,
    ReviewKind,
)
from generations.moderation.text import screening
from generations.moderation.text.explain import CATEGORY_WORDS
from generations.presenters import generation_summary, input_origins
from generations.pricing import SOUND_MULTIPLIER, price_generation, price_table
from generations.selectors import (
    deliverable_asset,
    generation_for_team,
    matching_prompt,
    referable_clips,
    review_queue_standing,
    team_generations,
    withheld_for_good,
)
from generations.states import Stage, Status
from generations.web import kept_uploads
from generations.web.files import serve_file

DURATION_CHOICES = [(seconds, f"{seconds} seconds") for seconds in ALL_DURATIONS]
CAMERA_CHOICES = [("", "None")] + [(name, label) for name, (label, _control) in CAMERA_PRESETS.items()]


def _with_camera(data):
    preset = data.pop("camera", "")
    if preset:
        data["camera_control"] = CAMERA_PRESETS[preset][1]
    return data


class UploadInput(forms.ClearableFileInput):
    """A file input with its own preview and drop zone (image-preview.js). It may stand for a file the server
    kept from the previous try or took from the clip being remixed (`kept`, a KeptUpload): then the browser
    must not insist on choosing it again."""

    ACCEPT = {"image": "image/jpeg,image/png", "audio": "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/aac"}
    kept = None

    def __init__(self, preview="image", attrs=None):
        super().__init__(attrs={"accept": self.ACCEPT[preview], **(attrs or {})})
        self.preview = preview

    def use_required_attribute(self, initial):
        return super().use_required_attribute(initial) and self.kept is None


def _preview_id(name):
    """The preview element of a file field: #image-preview, #image-tail-preview, #image-2-preview, ..."""
    return f"{name.replace('_', '-')}-preview"


class CreateForm(forms.Form):
    """A create page's form: its kind, and the request data it stands for."""

    kind = ""
    # What the cost line assumes for settings this form does not offer (or hides): data-* on p.cost.
    cost_defaults = {}
    # The form fields the request's `images` list was built from, in order (see form_field_for).
    image_fields = ("image",)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        for name, field in self.fields.items():
            if isinstance(field.widget, UploadInput):
                field.widget.preview_id = field.widget.attrs["data-preview"] = _preview_id(name)

    def request_data(self):
        return dict(self.cleaned_data)

    def form_field_for(self, api_field):
        """The form field a request field's error belongs on (`images[1]` is the second image given), or None."""
        api_field = api_field or ""
        match = re.fullmatch(r"images\[(\d+)\]", api_field)
        if match:
            used = list(self.image_fields)
            index = int(match.group(1))
            api_field = used[index] if index < len(used) else "image"
        name = {"images": "image", "camera_control": "camera", "model_name": "model"}.get(api_field, api_field)
        return name if name in self.fields else None


class SoundAndShotsForm(CreateForm):
    """A clip form that offers the v3 / v2-6 details: `sound` on/off and a multi-shot script (up to MAX_SHOTS
    shots, each its own prompt and length). Added after the form's own fields, so each page keeps its order;
    which model may have which is the catalog's to say (SOUND_MODES, MULTI_SHOT_MODELS; create.js offers
    only those, and validate_generation_request refuses the rest in its own words)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sound"] = forms.BooleanField(
            label="Sound", required=False,
            help_text="A soundtrack made with the clip: kling-v3, or kling-v2-6 in professional mode. Costs half as much again.",
        )
        self.fields["multi_shot"] = forms.BooleanField(
            label="Multi-shot", required=False,
            help_text=f"kling-v3: up to {MAX_SHOTS} shots, each with its own prompt and length. The clip lasts as long as its shots together.",
        )
        for number in range(1, MAX_SHOTS + 1):
            self.fields[f"shot_{number}_prompt"] = forms.CharField(
                label=f"Shot {number}", required=False, max_length=MAX_SHOT_PROMPT_CHARS,
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_SHOT_PROMPT_CHARS}),
            )
            self.fields[f"shot_{number}_duration"] = forms.TypedChoiceField(
                label=f"Shot {number} length", required=False, coerce=int, empty_value=None, initial="3",
                choices=[(seconds, f"{seconds} s") for seconds in range(1, 16)],
            )

    def main_fields(self):
        return [field for field in self if not field.name.startswith("shot_")]

    def shot_rows(self):
        return [(self[f"shot_{number}_prompt"], self[f"shot_{number}_duration"]) for number in range(1, MAX_SHOTS + 1)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("multi_shot"):
            lengths = [cleaned.get(f"shot_{n}_duration") or 3 for n in range(1, MAX_SHOTS + 1)
                       if (cleaned.get(f"shot_{n}_prompt") or "").strip()]
            allowed = [int(seconds) for seconds in MODELS[MULTI_SHOT_MODELS[0]].durations]
            if lengths and not min(allowed) <= sum(lengths) <= max(allowed):
                self.add_error("multi_shot", forms.ValidationError(
                    f"The shots add up to {sum(lengths)} seconds; a multi-shot clip lasts {min(allowed)} to "
                    f"{max(allowed)} seconds in all.", code="invalid_duration"))
        return cleaned

    def form_field_for(self, api_field):
        if api_field == "multi_prompt":
            return "multi_shot"
        return super().form_field_for(api_field)

    def request_data(self):
        data = _with_camera(dict(self.cleaned_data))
        shots = []
        for number in range(1, MAX_SHOTS + 1):
            prompt, seconds = data.pop(f"shot_{number}_prompt", ""), data.pop(f"shot_{number}_duration", None)
            if prompt.strip():
                shots.append({"index": len(shots) + 1, "prompt": prompt, "duration": seconds or 3})
        data["sound"] = "on" if data.pop("sound", False) else "off"
        if data.pop("multi_shot", False):
            data.update(multi_shot=True, shot_type="customize", multi_prompt=shots)
            if shots:  # the clip lasts as long as its shots together
                data["duration"] = str(sum(shot["duration"] for shot in shots))
        return data


class TextToVideoForm(SoundAndShotsForm):
    kind = "text2video"
    prompt = forms.CharField(
        # Not required by the form: a multi-shot script needs none (the catalog says when one is missing).
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "A paper boat drifting down a rain-soaked street at dusk"}),
        max_length=MAX_PROMPT_CHARS,
    )
    negative_prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "blurry, low quality"}),
        help_text="What the model should avoid.",
    )
    model = forms.ChoiceField(choices=[(name, name) for name, spec in MODELS.items() if spec.text2video])
    duration = forms.ChoiceField(choices=DURATION_CHOICES, initial="5", help_text="kling-v3 takes 3–15 s; the others 5 or 10 s.")
    aspect_ratio = forms.ChoiceField(choices=[(ratio, ratio) for ratio in ASPECT_RATIOS])
    mode = forms.ChoiceField(choices=[(mode, {"std": "Standard", "pro": "Professional"}[mode]) for mode in MODES])
    camera = forms.ChoiceField(label="Camera move", required=False, choices=CAMERA_CHOICES,
                               help_text="Camera moves run on kling-v1 in standard mode for 5 s clips.")


class ImageToVideoForm(SoundAndShotsForm):
    kind = "image2video"
    image = forms.FileField(
        label="Start image",
        help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB. The clip takes its shape.",
        widget=UploadInput(),
    )
    image_tail = forms.FileField(
        label="End image (optional)",
        required=False,
        help_text="Where the clip should end. Pro mode only on most models.",
        widget=UploadInput(),
    )
    prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "The camera slowly pushes in as leaves drift past"}),
        help_text="Optional: describe the motion.",
    )
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    model = forms.ChoiceField(choices=[(name, name) for name, spec in MODELS.items() if spec.image2video])
    duration = forms.ChoiceField(choices=DURATION_CHOICES, initial="5", help_text="kling-v3 takes 3–15 s; the others 5 or 10 s.")
    mode = forms.ChoiceField(choices=[(mode, {"std": "Standard", "pro": "Professional"}[mode]) for mode in MODES])
    camera = forms.ChoiceField(label="Camera move", required=False, choices=CAMERA_CHOICES,
                               help_text="Camera moves run on kling-v1-5 in professional mode for 5 s clips, without an end image.")


MODE_CHOICES = [(mode, {"std": "Standard", "pro": "Professional"}[mode]) for mode in MODES]
EFFECT_LABELS = {
    "bloombloom": "Bloom", "dizzydizzy": "Dizzy spin", "fuzzyfuzzy": "Fuzzy", "squish": "Squish", "expansion": "Expand",
    "hug": "Hug (two people)", "kiss": "Kiss (two people)", "heart_gesture": "Heart gesture (two people)",
}


def _consent_choices(team):
    records = ConsentRecord.objects.filter(team=team, revoked_at=None).order_by("subject_name")[:200] if team else []
    return [("", "No consent record")] + [(str(record.public_id), record.subject_name) for record in records]


class _ConsentMixin:
    """Adds the optional "consent record" choice, filled from the team's active records."""

    def _add_consent_field(self, team):
        self.fields["consent_id"] = forms.ChoiceField(
            label="Consent record",
            required=False,
            choices=_consent_choices(team),
            help_text="If a real person's face appears, pick the consent your team recorded for them; without one, re-animating it waits for a moderator.",
        )


NUMBERED_IMAGES = ("image", "image_2", "image_3", "image_4")


def _numbered_images(form, data):
    """The files of the numbered image fields chosen (image, image_2 …), in order, taken out of `data`; the form
    remembers which fields they came from (`image_fields`) so an error on images[N] lands on the right one."""
    form.image_fields = tuple(name for name in NUMBERED_IMAGES if data.get(name))
    files = [data[name] for name in form.image_fields]
    for name in NUMBERED_IMAGES:
        data.pop(name, None)
    return files


class MultiImageForm(CreateForm):
    kind = "multi-image2video"
    cost_defaults = {"model": "kling-v1-6"}
    image = forms.FileField(label="Reference image 1", widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB each.")
    image_2 = forms.FileField(label="Reference image 2 (optional)", required=False, widget=UploadInput())
    image_3 = forms.FileField(label="Reference image 3 (optional)", required=False, widget=UploadInput())
    image_4 = forms.FileField(label="Reference image 4 (optional)", required=False, widget=UploadInput())
    prompt = forms.CharField(max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={"rows": 3, "placeholder": "The three friends walk along the pier at sunset"}))
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    duration = forms.ChoiceField(choices=[("5", "5 seconds"), ("10", "10 seconds")])
    aspect_ratio = forms.ChoiceField(choices=[(ratio, ratio) for ratio in ASPECT_RATIOS])
    mode = forms.ChoiceField(choices=MODE_CHOICES)

    def request_data(self):
        data = dict(self.cleaned_data)
        data["images"] = _numbered_images(self, data)
        data["model"] = "kling-v1-6"
        return data


class EffectForm(_ConsentMixin, CreateForm):
    kind = "effects"
    # Single-image effects always run on kling-v1-6 in standard mode; the page hides those two fields then.
    cost_defaults = {"model": SINGLE_IMAGE_EFFECT_MODEL, "mode": "std"}
    effect_scene = forms.ChoiceField(label="Effect", choices=[(scene, EFFECT_LABELS[scene]) for scene in EFFECT_SCENES])
    image = forms.FileField(label="Image", widget=UploadInput(), help_text="JPEG or PNG, at least 300 px on each side.")
    image_2 = forms.FileField(label="Second person's image", required=False, widget=UploadInput(),
                              help_text="Only for the two-person effects (hug, kiss, heart gesture).")
    model = forms.ChoiceField(choices=[(name, name) for name in TWO_PERSON_EFFECT_MODELS], initial="kling-v1-6",
                              help_text="Two-person effects only; the others always use kling-v1-6.")
    duration = forms.ChoiceField(choices=[("5", "5 seconds"), ("10", "10 seconds")], help_text="10 s for two-person effects only.")
    mode = forms.ChoiceField(choices=MODE_CHOICES)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self._add_consent_field(team)

    def clean(self):
        cleaned = super().clean()
        scene = cleaned.get("effect_scene")
        if scene in TWO_PERSON_EFFECTS and cleaned.get("image") and not cleaned.get("image_2"):
            self.add_error("image_2", forms.ValidationError(
                f"The {EFFECT_LABELS[scene].split(' (')[0].lower()} effect needs two people: add the second person's image.",
                code="invalid_image_count"))
        return cleaned

    def request_data(self):
        data = dict(self.cleaned_data)
        # The page hides the second image for single-image effects; one kept from an earlier try is not sent.
        names = ("image", "image_2") if data["effect_scene"] in TWO_PERSON_EFFECTS else ("image",)
        self.image_fields = tuple(name for name in names if data.get(name))
        data["images"] = [data.pop(name) for name in self.image_fields]
        data.pop("image_2", None)
        if data["effect_scene"] not in TWO_PERSON_EFFECTS:
            data.pop("model", None)
            data.pop("mode", None)
        return data


class ExtendForm(CreateForm):
    kind = "video-extend"
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="What happens next (optional)",
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder": "The boat drifts under a stone bridge"}))
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={"rows": 2}))


class LipSyncForm(_ConsentMixin, CreateForm):
    kind = "lip-sync"
    text = forms.CharField(required=False, max_length=LIP_SYNC_MAX_TEXT, label="Words to speak",
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Welcome to our studio tour!"}),
                           help_text=f"Up to {LIP_SYNC_MAX_TEXT} characters, spoken by the voice below. Or upload audio instead.")
    voice_id = forms.ChoiceField(label="Voice", choices=[(voice, f"{VOICE_LABELS[voice].name} · {VOICE_LABELS[voice].language}")
                                                         for voice in VOICE_IDS])
    voice_language = forms.ChoiceField(label="Language", choices=[("en", "English"), ("zh", "Chinese")])
    voice_speed = forms.FloatField(label="Speed", min_value=0.8, max_value=2.0, initial=1.0, widget=forms.NumberInput(attrs={"step": "0.1"}))
    audio = forms.FileField(label="Or an audio file", required=False, widget=UploadInput(preview="audio"),
                            help_text="mp3, wav, m4a or aac, 2–60 s, up to 5 MB.")

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self._add_consent_field(team)

    def request_data(self):
        data = dict(self.cleaned_data)
        if data.get("audio"):
            for name in ("text", "voice_id", "voice_language", "voice_speed"):
                data.pop(name, None)
        return data



class AvatarForm(_ConsentMixin, CreateForm):
    """A portrait made to speak: the words and a voice, or an audio file; an optional note on the manner."""

    kind = AVATAR
    image = forms.FileField(label="Portrait", widget=UploadInput(),
                            help_text="A JPEG or PNG of one person facing the camera, at least 300 px on each side, up to 10 MB.")
    text = forms.CharField(required=False, max_length=LIP_SYNC_MAX_TEXT, label="Words to speak",
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Hello, and welcome to our studio!"}),
                           help_text=f"Up to {LIP_SYNC_MAX_TEXT} characters, spoken by the voice below. Or upload audio instead.")
    voice_id = forms.ChoiceField(label="Voice", choices=[(voice, f"{VOICE_LABELS[voice].name} · {VOICE_LABELS[voice].language}")
                                                         for voice in VOICE_IDS])
    voice_language = forms.ChoiceField(label="Language", choices=[("en", "English"), ("zh", "Chinese")])
    voice_speed = forms.FloatField(label="Speed", min_value=0.8, max_value=2.0, initial=1.0, widget=forms.NumberInput(attrs={"step": "0.1"}))
    audio = forms.FileField(label="Or an audio file", required=False, widget=UploadInput(preview="audio"),
                            help_text="mp3, wav, m4a or aac, 2–60 s, up to 5 MB. The clip lasts as long as the audio.")
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="Manner (optional)",
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Smiling, with a slight nod"}),
                             help_text="How the person should look while speaking.")
    mode = forms.ChoiceField(choices=MODE_CHOICES)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self._add_consent_field(team)

    def request_data(self):
        data = dict(self.cleaned_data)
        if data.get("audio"):
            for name in ("text", "voice_id", "voice_language", "voice_speed"):
                data.pop(name, None)
        return data


def _team_clips(team):
    """The team's finished clips an omni-video or a motion control can name: newest first, (id, label)."""
    if team is None:
        return []
    rows = referable_clips(team)
    return [(str(clip.public_id), f"{(clip.prompt or clip.get_kind_display())[:50]} · {clip.duration} s") for clip in rows]


def _team_element_choices(team):
    """The team's elements a generation may name (ready, not deleted), newest first, as (element_id, label)."""
    if team is None:
        return []
    rows = team_elements(team).filter(status=ElementStatus.SUCCEED)[:50]
    return [(str(element.element_id), f"{element.name} — {element.description[:40]}") for element in rows]


class _ImageListMixin:
    """A form whose numbered images go out as image_list: an error on image_list[N] belongs on the Nth image chosen."""

    def form_field_for(self, api_field):
        match = re.fullmatch(r"image_list\[(\d+)\].*", api_field or "")
        if match:
            return self.form_field_for(f"images[{match.group(1)}]")
        return super().form_field_for({"image_list": "image", "video_list": "video", "element_list": "prompt"}.get(api_field, api_field))


class OmniVideoForm(_ImageListMixin, _ConsentMixin, CreateForm):
    """One prompt that names its images as <<<image_1>>>… and a clip of the team as <<<video_1>>>."""

    kind = OMNI_VIDEO
    model = forms.ChoiceField(choices=[(name, name) for name in OMNI_MODELS])
    prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "<<<image_1>>> walks through the market in <<<video_1>>>"}),
        help_text="Name each image where it belongs: <<<image_1>>> is image 1, <<<image_2>>> image 2, and <<<video_1>>> the "
                  "clip. Every image and the clip must be named.",
    )
    image = forms.FileField(label="Image 1 (optional)", required=False, widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB each.")
    image_2 = forms.FileField(label="Image 2 (optional)", required=False, widget=UploadInput())
    image_3 = forms.FileField(label="Image 3 (optional)", required=False, widget=UploadInput())
    image_4 = forms.FileField(label="Image 4 (optional)", required=False, widget=UploadInput())
    video = forms.ChoiceField(label="A clip of your team (optional)", required=False,
                              help_text="A finished clip of 3–10 seconds.")
    refer_type = forms.ChoiceField(label="Use the clip", required=False, choices=[
        ("feature", "As a reference (style, camera, the next shot)"), ("base", "To edit it (keeps its length)")])
    keep_original_sound = forms.BooleanField(label="Keep the clip's sound", required=False)
    duration = forms.ChoiceField(choices=[(value, f"{value} seconds") for value in OMNI_DURATIONS["kling-v3-omni"]], initial="5",
                                 help_text="kling-video-o1: 3–10 s (5 or 10 with no image or clip).")
    aspect_ratio = forms.ChoiceField(choices=[(ratio, ratio) for ratio in ASPECT_RATIOS])
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial="pro")
    elements = forms.MultipleChoiceField(
        label="Elements of your team (optional)", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Saved subjects (see Elements). The first one you tick is <<<element_1>>>, the next <<<element_2>>>; "
                  "images and elements count together (at most 7, 4 with a clip).",
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self.fields["video"].choices = [("", "No clip"), *_team_clips(team)]
        self.fields["elements"].choices = _team_element_choices(team)
        if not self.fields["elements"].choices:
            del self.fields["elements"]
        self._add_consent_field(team)

    def form_field_for(self, api_field):
        if api_field == "element_list" and "elements" in self.fields:
            return "elements"
        return super().form_field_for(api_field)

    def request_data(self):
        data = dict(self.cleaned_data)
        chosen = data.pop("elements", None) or []
        if chosen:
            # In the order the page lists them, so <<<element_N>>> is the Nth ticked box from the top.
            listed = [value for value, _ in self.fields["elements"].choices]
            data["element_list"] = [{"element_id": value} for value in sorted(chosen, key=listed.index)]
        data["image_list"] = [{"image": image} for image in _numbered_images(self, data)]
        video, refer_type, keep = data.pop("video", ""), data.pop("refer_type", "") or "feature", data.pop("keep_original_sound")
        if video:
            data["video_list"] = [{"video_id": video, "refer_type": refer_type, "keep_original_sound": "yes" if keep else "no"}]
            if refer_type == "base":  # the edited clip keeps its own length and shape
                data.pop("duration", None)
                data.pop("aspect_ratio", None)
        return data


class MotionControlForm(_ConsentMixin, CreateForm):
    """The character in one image performs the motion of a finished clip of the team."""

    kind = MOTION_CONTROL
    cost_defaults = {"model": MOTION_MODELS[0], "duration": "5"}
    image = forms.FileField(label="Character image", widget=UploadInput(),
                            help_text="A JPEG or PNG of the character, whole body or upper body, at least 300 px on each side, up to 10 MB.")
    # Not required by the form: the catalog says, in its words, when no clip is chosen.
    parent_id = forms.ChoiceField(label="Motion clip", required=False, help_text="A finished clip of your team whose motion the character follows. "
                                  "The result lasts as long as the clip.")
    character_orientation = forms.ChoiceField(label="Character faces", choices=[
        ("image", "As in the image (clips of 3–10 s)"), ("video", "As in the clip (clips of 3–30 s)")])
    keep_original_sound = forms.BooleanField(label="Keep the clip's sound", required=False, initial=True)
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="Prompt (optional)",
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "On a sunny rooftop, the camera slowly circling"}),
                             help_text="Add elements to the scene or a camera move.")
    model = forms.ChoiceField(choices=[(name, name) for name in MOTION_MODELS])
    mode = forms.ChoiceField(choices=MODE_CHOICES)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self.fields["parent_id"].choices = [("", "Choose a clip"), *_team_clips(team)]
        self._add_consent_field(team)

    def request_data(self):
        data = dict(self.cleaned_data)
        data["keep_original_sound"] = "yes" if data.get("keep_original_sound") else "no"
        return data


class EditClipForm(_ConsentMixin, CreateForm):
    """multi-elements: add, swap or remove an element of a finished clip of the team, marked by points."""

    kind = MULTI_ELEMENTS
    cost_defaults = {"model": MULTI_ELEMENTS_MODELS[0], "duration": "5"}
    # Not required by the form: the catalog says, in its words, when no clip is chosen.
    parent_id = forms.ChoiceField(label="Clip to edit", required=False,
                                  help_text="A finished clip of your team of 2–5 s (edited into 5 s) or 7–10 s (10 s).")
    edit_mode = forms.ChoiceField(label="Edit", choices=[
        ("addition", "Add something from an image"), ("swap", "Swap something for what an image shows"), ("removal", "Remove something")])
    image = forms.FileField(label="Image", required=False, widget=UploadInput(),
                            help_text="What to add or swap in: a JPEG or PNG of at least 300 px on each side, up to 10 MB. Not used to remove.")
    image_2 = forms.FileField(label="Second image (optional, to add)", required=False, widget=UploadInput())
    frame = forms.IntegerField(label="Marked frame", min_value=0, initial=0, required=False,
                               help_text="The frame the points are on: 0 is the first.")
    points = forms.CharField(label="Where the element is (optional to add)", required=False, max_length=400,
                             widget=forms.TextInput(attrs={"placeholder": "0.5,0.4; 0.55,0.6", "inputmode": "decimal"}),
                             help_text="Points on the element as x,y from 0 to 1 (0,0 is the top left), separated by semicolons. "
                                       "Needed to swap or remove.")
    prompt = forms.CharField(max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={
        "rows": 2, "placeholder": "swap the ball from <<<video_1>>> for the kite from <<<image_1>>>"}),
        help_text="The clip is <<<video_1>>>, the images <<<image_1>>> and <<<image_2>>>.")
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="Avoid (optional)",
                                      widget=forms.Textarea(attrs={"rows": 1, "placeholder": "blurry"}))
    mode = forms.ChoiceField(choices=MODE_CHOICES)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self.fields["parent_id"].choices = [("", "Choose a clip"), *_team_clips(team)]
        self._add_consent_field(team)

    def clean_points(self):
        text = self.cleaned_data.get("points", "").strip()
        points = []
        for pair in filter(None, (part.strip() for part in text.split(";"))):
            try:
                x, y = (float(value) for value in pair.split(","))
            except ValueError:
                raise forms.ValidationError(f"“{pair}” is not a point: write x,y such as 0.5,0.4.") from None
            points.append({"x": x, "y": y})
        return points

    def request_data(self):
        data = dict(self.cleaned_data)
        data["images"] = _numbered_images(self, data)
        points, frame = data.pop("points", []), data.pop("frame", None) or 0
        data["selection"] = [{"frame_index": frame, "points": points}] if points else []
        data["model"] = MULTI_ELEMENTS_MODELS[0]
        return data

    def form_field_for(self, api_field):
        return "points" if api_field == "selection" else super().form_field_for(api_field)


def _edit_cost():
    """An edit's price per 5 s, in words (its length is the clip's: 5 or 10 s)."""
    std, pro = (price_generation(MULTI_ELEMENTS, MULTI_ELEMENTS_MODELS[0], mode, 5) for mode in ("std", "pro"))
    return f"Costs {std:,} credits per 5 seconds in Standard mode, {pro:,} in Professional; a 7–10 s clip makes a 10 s edit."


class ImageGenerationForm(CreateForm):
    """Still images from a prompt, optionally guided by a reference image."""

    kind = IMAGE_GENERATION
    prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "A lighthouse on a cliff at dusk, painted in watercolour"}),
    )
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="Avoid (optional)",
                                      widget=forms.Textarea(attrs={"rows": 2, "placeholder": "blurry, text"}),
                                      help_text="Not used with a reference image.")
    n = forms.TypedChoiceField(label="How many images", coerce=int, initial=1,
                               choices=[(count, str(count)) for count in range(IMAGE_COUNT_RANGE[0], IMAGE_COUNT_RANGE[1] + 1)])
    aspect_ratio = forms.ChoiceField(label="Shape", choices=[(ratio, ratio) for ratio in IMAGE_ASPECT_RATIOS])
    model = forms.ChoiceField(choices=[(name, name) for name in IMAGE_MODELS])
    image = forms.FileField(label="Reference image (optional)", required=False, widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB. Not on kling-v1.")
    image_reference = forms.ChoiceField(
        label="Follow the reference's", required=False,
        choices=[("", "—"), *((kind, {"subject": "Subject (the character's features)", "face": "Face (the person's looks)"}[kind])
                              for kind in IMAGE_REFERENCE_TYPES)],
        help_text="kling-v1-5 needs one with a reference image; the other models take none.",
    )

    def request_data(self):
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class SoundForm(CreateForm):
    """A sound effect or ambience from a prompt, 3–10 s long."""

    kind = TEXT_TO_AUDIO
    prompt = forms.CharField(
        label="Describe the sound", max_length=AUDIO_PROMPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Rain on a tin roof, distant thunder"}),
        help_text=f"Up to {AUDIO_PROMPT_MAX_CHARS} characters.",
    )
    duration = forms.DecimalField(label="Length (seconds)", min_value=TEXT_TO_AUDIO_SECONDS[0], max_value=TEXT_TO_AUDIO_SECONDS[1],
                                  decimal_places=1, initial=5, widget=forms.NumberInput(attrs={"step": "0.1"}))

    def request_data(self):
        return {"prompt": self.cleaned_data["prompt"], "duration": float(self.cleaned_data["duration"]), "model": AUDIO_MODEL}


class ClipSoundForm(CreateForm):
    """Sound effects (and music) for a finished clip of the team, kept in the clip and alone."""

    kind = VIDEO_TO_AUDIO
    # Not required by the form: the catalog says, in its words, when no clip is chosen.
    parent_id = forms.ChoiceField(label="Clip", required=False,
                                  help_text="A finished clip of your team, 3–20 s long. The sound lasts as long as the clip.")
    sound_effect_prompt = forms.CharField(
        label="Sound effects (optional)", required=False, max_length=AUDIO_PROMPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Footsteps on gravel, a door creaking"}))
    bgm_prompt = forms.CharField(
        label="Music (optional)", required=False, max_length=AUDIO_PROMPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "A slow, warm cello"}))
    asmr_mode = forms.BooleanField(label="ASMR: closer, more detailed sound", required=False)

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self.fields["parent_id"].choices = [("", "Choose a clip"), *_team_clips(team)]

    def request_data(self):
        return {**{name: value for name, value in self.cleaned_data.items() if value not in (None, "")}, "model": AUDIO_MODEL}


def _sound_cost(kind):
    """A sound kind's price per started 5 s, in words."""
    each = price_generation(kind, AUDIO_MODEL, "std", 5)
    longest = 10 if kind == TEXT_TO_AUDIO else 20
    return f"Costs {each:,} credits per started 5 seconds: {longest} seconds cost {price_generation(kind, AUDIO_MODEL, 'std', longest):,}."


def _image_cost(kind=IMAGE_GENERATION):
    """An image kind's price: per image, times how many."""
    each = price_generation(kind, IMAGE_KIND_MODELS[kind][0], "std", "", images=1)
    return f"Costs {each:,} credits an image: {IMAGE_COUNT_RANGE[1]} images cost {each * IMAGE_COUNT_RANGE[1]:,}."


def _count_field():
    return forms.TypedChoiceField(label="How many images", coerce=int, initial=1,
                                  choices=[(count, str(count)) for count in range(IMAGE_COUNT_RANGE[0], IMAGE_COUNT_RANGE[1] + 1)])


def _ratio_field(side, where):
    low, high = EXPANSION_RANGE
    return forms.FloatField(label=f"Add {where}", min_value=low, max_value=high, initial=0, required=False,
                            widget=forms.NumberInput(attrs={"step": "0.05"}),
                            help_text=f"Times the image's {'height' if side in ('up', 'down') else 'width'}, 0–{high:g}.")


class ImageExpandForm(CreateForm):
    """Outpainting: the image grown on any side, the new parts drawn to match it."""

    kind = IMAGE_EXPAND
    image = forms.FileField(label="Image to expand", widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB.")
    up_expansion_ratio = _ratio_field("up", "above")
    down_expansion_ratio = _ratio_field("down", "below")
    left_expansion_ratio = _ratio_field("left", "on the left")
    right_expansion_ratio = _ratio_field("right", "on the right")
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="What the new parts show (optional)",
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "More of the meadow, a blue sky"}),
                             help_text="The expanded image may be at most 3 times the original's area.")
    n = _count_field()

    def request_data(self):
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return {**data, **{f"{side}_expansion_ratio": self.cleaned_data.get(f"{side}_expansion_ratio") or 0.0
                           for side in EXPANSION_SIDES}}


class OmniImageForm(_ImageListMixin, CreateForm):
    """kling-image-o1: a prompt that names its images as <<<image_1>>>…"""

    kind = OMNI_IMAGE
    model = forms.ChoiceField(choices=[(name, name) for name in OMNI_IMAGE_MODELS])
    prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "<<<image_1>>> wearing the hat from <<<image_2>>>, in a studio"}),
        help_text="Name each image where it belongs: <<<image_1>>> is image 1, <<<image_2>>> image 2. Every image must be named.",
    )
    image = forms.FileField(label="Image 1 (optional)", required=False, widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB each.")
    image_2 = forms.FileField(label="Image 2 (optional)", required=False, widget=UploadInput())
    image_3 = forms.FileField(label="Image 3 (optional)", required=False, widget=UploadInput())
    image_4 = forms.FileField(label="Image 4 (optional)", required=False, widget=UploadInput())
    n = _count_field()
    aspect_ratio = forms.ChoiceField(label="Shape", choices=[(ratio, "auto (follows the images)" if ratio == "auto" else ratio)
                                                            for ratio in OMNI_IMAGE_ASPECT_RATIOS], initial="auto")

    def request_data(self):
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        data["image_list"] = [{"image": image} for image in _numbered_images(self, data)]
        return data


class MultiImage2ImageForm(_ConsentMixin, CreateForm):
    """1–4 subjects in a new picture, optionally in a scene and a style of their own."""

    kind = MULTI_IMAGE2IMAGE
    image = forms.FileField(label="Subject 1", widget=UploadInput(),
                            help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB each. Crop each to its subject.")
    image_2 = forms.FileField(label="Subject 2 (optional)", required=False, widget=UploadInput())
    image_3 = forms.FileField(label="Subject 3 (optional)", required=False, widget=UploadInput())
    image_4 = forms.FileField(label="Subject 4 (optional)", required=False, widget=UploadInput())
    scene_image = forms.FileField(label="Scene (optional)", required=False, widget=UploadInput())
    style_image = forms.FileField(label="Style (optional)", required=False, widget=UploadInput())
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, label="Prompt (optional)",
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder": "The two of them having a picnic"}))
    n = _count_field()
    aspect_ratio = forms.ChoiceField(label="Shape", choices=[(ratio, ratio) for ratio in IMAGE_ASPECT_RATIOS])
    model = forms.ChoiceField(choices=[(name, name) for name in MULTI_IMAGE2IMAGE_MODELS])

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self._add_consent_field(team)

    def request_data(self):
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        data["images"] = _numbered_images(self, data)
        return data


def _motion_cost():
    """A motion control's price per 5 s of its clip, in words."""
    std, pro = (price_generation(MOTION_CONTROL, MOTION_MODELS[0], mode, 5) for mode in ("std", "pro"))
    return f"Costs {std:,} credits per 5 seconds of the motion clip in Standard mode, {pro:,} in Professional."


def _omni_cost():
    """An omni-video's price per 5 s, in words (an edited clip's length is the clip's)."""
    o1 = [price_generation(OMNI_VIDEO, "kling-video-o1", mode, 5) for mode in ("std", "pro")]
    return (f"Costs {o1[0]:,} credits per 5 seconds in Standard mode, {o1[1]:,} in Professional "
            "(an edited clip is priced by its own length).")


def _avatar_cost():
    """An avatar's price depends on how long it speaks: the rule, in words, for the create page."""
    std, pro = (price_generation(AVATAR, AVATAR_MODEL, mode, 5) for mode in ("std", "pro"))
    longest = spoken_seconds("x" * LIP_SYNC_MAX_TEXT)
    return (f"Costs {std:,} credits per 5 seconds of speech in Standard mode, {pro:,} in Professional "
            f"(rounded up to the credit; {LIP_SYNC_MAX_TEXT} characters of text last about {longest} seconds).")


def _generation_or_404(request, generation_id):
    membership = membership_or_404(request)
    generation = generation_for_team(membership.team, generation_id)
    if generation is None:
        raise Http404("No such generation.")
    return generation


def _price_table_json():
    return json.dumps(price_table())


@login_required
def dashboard(request):
    membership = current_membership(request)
    recent = team_generations(membership.team, created_by=request.user)[:6] if membership else []
    form = TextToVideoForm(initial={"model": settings.DEFAULT_MODEL})
    return render(
        request, "generations/dashboard.html",
        {"form": form, "recent": recent, "prices": _price_table_json(), "catalog": _catalog_json(),
         "sound_multiplier": SOUND_MULTIPLIER},
    )


# Refusals whose API wording names request parameters, as the create form says them instead.
PLAIN_WORDS = {
    "invalid_duration": "That length is not offered for this model: pick one from the list.",
    "image_tail_not_supported": "This model cannot end on a chosen image with these settings: choose Professional mode "
                                "(and 5 seconds on kling-v1), another model, or remove the end image.",
    "camera_control_not_supported": "Camera moves run only with the settings named under “Camera move”: pick those, or no move.",
    "invalid_camera_control": "Pick one of the offered camera moves.",
    "invalid_effect_scene": "Pick one of the offered effects.",
    "invalid_voice": "Pick one of the offered voices.",
    "invalid_voice_language": "Pick English or Chinese.",
    "invalid_voice_speed": "The speed must be between 0.8 and 2.",
    "prompt_required": "Describe the video you want.",
    "text_required": "Type the words to speak, or choose an audio file.",
    "consent_not_found": "That consent record is no longer active: pick another, or none.",
    "parent_not_found": "That clip is no longer there for your team.",
}


def plain_words(error, form):
    """What a refusal says on a create form: its message in the form's words (its field's label, never the
    API's parameter name), without the stable code, which the page keeps in a data-code attribute."""
    api_field = getattr(error, "field", None) or ""
    if error.code == "options_conflict" and api_field == "image_tail":
        return "Choose either an end image or a camera move, not both."
    if error.code in PLAIN_WORDS:
        return PLAIN_WORDS[error.code]
    message = error.message
    name = form.form_field_for(api_field)
    if api_field and name and message.startswith(f"{api_field} "):
        label = re.sub(r"\s*\(optional\)$", "", str(form.fields[name].label or name))
        message = f"{label}{message[len(api_field):]}"
    return message[:1].upper() + message[1:]


# The form fields a remix fills from the remixed clip's inputs.
REMIX_ROLES = {
    "image": AssetRole.INPUT_IMAGE,
    "image_tail": AssetRole.INPUT_IMAGE_TAIL,
    "image_2": AssetRole.INPUT_IMAGE_2,
    "image_3": AssetRole.INPUT_IMAGE_3,
    "image_4": AssetRole.INPUT_IMAGE_4,
}


def _upload_fields(form):
    return [(name, field.widget) for name, field in form.fields.items() if isinstance(field.widget, UploadInput)]


def _restored_uploads(request, form_class):
    """The files this try carries over from the previous one (hidden `keep_<field>` tokens of this user),
    unless a new file was chosen or the person removed it (`drop_<field>`)."""
    restored = {}
    for name, field in form_class.base_fields.items():
        if not isinstance(field.widget, UploadInput) or request.FILES.get(name) or request.POST.get(f"drop_{name}"):
            continue
        upload = kept_uploads.kept(request.user, request.POST.get(f"keep_{name}"))
        if upload is not None and upload.is_audio == (field.widget.preview == "audio"):
            restored[name] = upload
    return restored


def _keep_uploads(request, form, restored):
    """After a refused try: keep each file that a submit would accept, so the form offers it again."""
    for name, widget in _upload_fields(form):
        upload = request.FILES.get(name)
        if upload is None:
            widget.kept = restored.get(name)
            continue
        upload.seek(0)
        data = upload.read(kept_uploads.kept_max_bytes() + 1)
        content_type = kept_uploads.checked(data, audio=widget.preview == "audio")
        if content_type:
            widget.kept = kept_uploads.keep(request.user, data, name=upload.name, content_type=content_type)


def _offer_remix_inputs(request, form, team):
    """A remix starts from the remixed clip's input images (the team's own, shown only if the team may see
    them), kept like an upload: the form shows them and submits them unless the person chooses others."""
    parent = generation_for_team(team, request.GET.get("remix_of") or "")
    if parent is None:
        return
    for name, widget in _upload_fields(form):
        role = REMIX_ROLES.get(name)
        asset = role and (deliverable_asset(parent, role) or _released_input(parent, role))
        if not asset:
            continue
        try:
            with asset.file.open("rb") as handle:
                data = handle.read(kept_uploads.kept_max_bytes() + 1)
        except OSError:
            continue
        widget.kept = kept_uploads.keep(request.user, data, name=os.path.basename(asset.file.name),
                                        content_type=asset.content_type, origin="remix")


def _parent_cost(kind, parent):
    """What continuing `parent` costs, in words, for the pages that have nothing to choose that changes it."""
    try:
        if kind == VIDEO_EXTEND:
            credits = price_generation(kind, parent.model_name, parent.mode, EXTEND_SECONDS)
            return f"Costs {credits:,} credits: {EXTEND_SECONDS} more seconds at {parent.model_name} prices."
        video = deliverable_asset(parent, AssetRole.VIDEO)
        seconds = max(1, round(video.duration_s)) if video is not None and video.duration_s else parent.duration_seconds
        credits = price_generation(kind, parent.model_name, parent.mode, seconds)
        return f"Costs {credits:,} credits, for the clip's {seconds} seconds."
    except (ValueError, TypeError):
        return ""


def _create_page(request, *, form_class, template, kind=None, initial=None, parent=None, extra_context=None):
    """Every create page: show the form; on POST validate, submit, and go to the new generation, or show
    what was refused, in plain words, on the form — with the files already chosen still there."""
    membership = membership_or_404(request)
    kind = kind or form_class.kind
    context = {"prices": _price_table_json(), "catalog": _catalog_json(), "parent": parent,
               "sound_multiplier": SOUND_MULTIPLIER, **(extra_context or {})}
    if parent is not None and kind in (VIDEO_EXTEND, LIP_SYNC):
        context["fixed_cost"] = _parent_cost(kind, parent)
    form_kwargs = {"team": membership.team}
    if request.method != "POST":
        form = context["form"] = form_class(initial={"model": settings.DEFAULT_MODEL, **(initial or {})}, **form_kwargs)
        if request.GET.get("remix_of"):
            _offer_remix_inputs(request, form, membership.team)
        return render(request, template, context)
    restored = _restored_uploads(request, form_class)
    form = context["form"] = form_class(
        request.POST, request.FILES, initial={name: upload.as_upload() for name, upload in restored.items()}, **form_kwargs
    )
    if form.is_valid():
        data = {"kind": kind, **form.request_data()}
        if parent is not None:
            data["parent_id"] = str(parent.public_id)
        remix_of = request.GET.get("remix_of") or request.POST.get("remix_of")
        if remix_of and kind in (TEXT2VIDEO, IMAGE2VIDEO):
            data["remix_of"] = remix_of
        try:
            validated = validate_generation_request(load_media_inputs(data), default_model=settings.DEFAULT_MODEL)
            generation = do_submit_generation(team=membership.team, user=request.user, request=validated, http_request=request)
        except (GenerationError, AccountError) as error:
            form.add_error(form.form_field_for(getattr(error, "field", None)),
                           forms.ValidationError(plain_words(error, form), code=error.code))
        else:
            kept_uploads.forget(request.user, [upload.token for upload in restored.values()])
            return redirect("generations:detail", generation.public_id)
    _keep_uploads(request, form, restored)
    return render(request, template, context, status=400)


@login_required
@require_GET
def kept_upload(request, token):
    """A file the create form kept for this user (a previous try's upload, a remixed clip's input): only its
    owner gets it."""
    upload = kept_uploads.kept(request.user, token)
    if upload is None:
        raise Http404("No such file.")
    response = HttpResponse(upload.data, content_type=upload.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


def _catalog_json():
    """What the create form's script needs to offer only valid combinations."""
    return json.dumps(
        {
            "models": {
                name: {"text2video": spec.text2video, "image2video": spec.image2video, "durations": list(spec.durations),
                       "cfg_scale": spec.cfg_scale}
                for name, spec in MODELS.items()
            },
            "camera": [list(entry) for entry in sorted(CAMERA_CONTROL_ALLOWED)],
            "image_tail_modes": {name: list(modes) for name, modes in IMAGE_TAIL_MODES.items()},
            "two_person_effects": list(TWO_PERSON_EFFECTS),
            "sound_modes": {name: list(modes) for name, modes in SOUND_MODES.items()},
            "multi_shot_models": list(MULTI_SHOT_MODELS),
        }
    )


@login_required
def create(request):
    # A "remix" link pre-fills the form from the query string.
    return _create_page(
        request, form_class=TextToVideoForm, template="generations/create.html", kind="text2video", initial=request.GET.dict()
    )


@login_required
def create_from_image(request):
    return _create_page(
        request, form_class=ImageToVideoForm, template="generations/create_image.html", kind="image2video", initial=request.GET.dict()
    )


@login_required
def create_from_images(request):
    return _create_page(request, form_class=MultiImageForm, template="generations/create_kind.html", initial=request.GET.dict(),
                        extra_context={"title": "Several images to video",
                                       "intro": "Up to four reference images (people, objects, places) in one clip. Runs on kling-v1-6."})


@login_required
def create_effect(request):
    return _create_page(request, form_class=EffectForm, template="generations/create_kind.html", initial=request.GET.dict(),
                        extra_context={"title": "Apply an effect",
                                       "intro": "Animate a photo with a ready-made effect. Two-person effects take two images."})


@login_required
def create_avatar(request):
    voices = voice_samples()
    return _create_page(request, form_class=AvatarForm, template="generations/create_kind.html", initial=request.GET.dict(),
                        extra_context={"title": "Talking avatar",
                                       "intro": "Makes the person in a portrait speak your words (or your audio). A real person's "
                                                "face needs their recorded consent, or a moderator looks first.",
                                       "fixed_cost": _avatar_cost(), "voices": voices,
                                       "voices_json": json.dumps({voice["id"]: voice for voice in voices})})


@login_required
def create_omni_video(request):
    return _create_page(request, form_class=OmniVideoForm, template="generations/create_kind.html",
                        initial={"model": OMNI_MODELS[0], "mode": "pro", **request.GET.dict()},
                        extra_context={"title": "Omni video",
                                       "intro": "One prompt that brings your images and a clip of your team together: "
                                                "name them as <<<image_1>>> and <<<video_1>>>. A clip can also be edited.",
                                       "fixed_cost": _omni_cost()})


@login_required
def create_motion_control(request):
    return _create_page(request, form_class=MotionControlForm, template="generations/create_kind.html",
                        initial={"model": MOTION_MODELS[0], "character_orientation": "image", **request.GET.dict()},
                        extra_context={"title": "Motion control",
                                       "intro": "Your character, moving as in a clip of your team: pick the image and the clip.",
                                       "fixed_cost": _motion_cost()})


@login_required
def create_edit_clip(request):
    return _create_page(request, form_class=EditClipForm, template="generations/create_kind.html",
                        initial={"edit_mode": "swap", "frame": 0, **request.GET.dict()},
                        extra_context={"title": "Edit a clip",
                                       "intro": "Add, swap or remove something in a clip of your team: pick the clip, mark the element.",
                                       "fixed_cost": _edit_cost()})


@login_required
def create_image_generation(request):
    return _create_page(request, form_class=ImageGenerationForm, template="generations/create_kind.html",
                        initial={"model": IMAGE_DEFAULT_MODEL, "n": 1, "aspect_ratio": "1:1", **request.GET.dict()},
                        extra_context={"title": "Image",
                                       "intro": "Still images from a prompt, up to nine at once, in the shape you pick. A "
                                                "reference image can guide them.",
                                       "fixed_cost": _image_cost(), "submit_label": "Generate images",
                                       "image_modes": IMAGE_MODES})


# The Still image page's modes: one per image kind, each its own page (the family's pages by kind, for remixes).
IMAGE_FAMILY_PAGES = {IMAGE_EXPAND: "generations:create_image_expand", OMNI_IMAGE: "generations:create_omni_image",
                      MULTI_IMAGE2IMAGE: "generations:create_multi_image2image"}
IMAGE_MODES = (("create_image_generation", "From a prompt"), ("create_image_expand", "Expand an image"),
               ("create_omni_image", "Omni"), ("create_multi_image2image", "Subjects in a scene"))


def _image_page(request, *, form_class, title, intro, initial):
    return _create_page(request, form_class=form_class, template="generations/create_kind.html",
                        initial={"model": IMAGE_KIND_MODELS[form_class.kind][0], "n": 1, **initial, **request.GET.dict()},
                        extra_context={"title": title, "intro": intro, "fixed_cost": _image_cost(form_class.kind),
                                       "submit_label": "Generate images", "image_modes": IMAGE_MODES})


@login_required
def create_image_expand(request):
    return _image_page(request, form_class=ImageExpandForm, title="Expand an image", initial={"left_expansion_ratio": 0.5,
                                                                                             "right_expansion_ratio": 0.5},
                       intro="Your image, grown on the sides you choose: the new parts are drawn to match it.")


@login_required
def create_omni_image(request):
    return _image_page(request, form_class=OmniImageForm, title="Omni image", initial={"aspect_ratio": "auto"},
                       intro="Still images from a prompt that names up to four of your images: combine them, restyle them, "
                             "put one into another.")


@login_required
def create_multi_image2image(request):
    return _image_page(request, form_class=MultiImage2ImageForm, title="Subjects in a scene", initial={"aspect_ratio": "16:9"},
                       intro="Up to four subjects in a new picture, optionally in the scene and the style of images you give.")


@login_required
def create_sound(request):
    return _create_page(request, form_class=SoundForm, template="generations/create_kind.html",
                        initial={"model": AUDIO_MODEL, "duration": 5, **request.GET.dict()},
                        extra_context={"title": "Sound",
                                       "intro": "A sound effect or ambience from a description, 3 to 10 seconds long.",
                                       "fixed_cost": _sound_cost(TEXT_TO_AUDIO), "submit_label": "Generate sound"})


@login_required
def create_clip_sound(request):
    return _create_page(request, form_class=ClipSoundForm, template="generations/create_kind.html",
                        initial={"model": AUDIO_MODEL, **request.GET.dict()},
                        extra_context={"title": "Add sound to a clip",
                                       "intro": "Sound effects and music made for a clip of your team: the clip comes back "
                                                "with them, and the soundtrack alone as an MP3.",
                                       "fixed_cost": _sound_cost(VIDEO_TO_AUDIO), "submit_label": "Add sound"})


def _parent_page(request, generation_id, *, form_class, title, intro, extra_context=None):
    parent = _generation_or_404(request, generation_id)
    return _create_page(request, form_class=form_class, template="generations/create_kind.html", parent=parent,
                        extra_context={"title": title, "intro": intro, **(extra_context or {})})


def voice_samples():
    """Each lip-sync voice as the page offers it: its label and a short sample (rendered offline by
    `manage.py render_voice_samples` from the simulator's stand-in voice)."""
    return [
        {"id": voice, "name": VOICE_LABELS[voice].name, "language": VOICE_LABELS[voice].language,
         "description": VOICE_LABELS[voice].description, "sample": static(f"studio/voices/{voice}.wav")}
        for voice in VOICE_IDS
    ]


@login_required
def extend(request, generation_id):
    return _parent_page(request, generation_id, form_class=ExtendForm, title="Extend this clip",
                        intro=f"Adds {EXTEND_SECONDS} seconds that continue from the last frame (kling-v1.x clips, up to 3 minutes in all).")


@login_required
def lip_sync(request, generation_id):
    voices = voice_samples()
    return _parent_page(request, generation_id, form_class=LipSyncForm, title="Lip-sync this clip",
                        intro="Makes the person in the clip speak your words (or your audio). Clips of 2–10 seconds.",
                        extra_context={"voices": voices, "voices_json": json.dumps({voice["id"]: voice for voice in voices})})


HISTORY_PAGE_SIZE = 24

# What the status filter offers: the states a person thinks in, each covering the pipeline's own states.
HISTORY_STATUSES = {
    "waiting": ("Waiting to start", (Status.CREATED, Status.SCREENING, Status.QUEUED)),
    "running": ("In progress", (Status.SUBMITTING, Status.GENERATING, Status.SCANNING)),
    Status.HELD: ("Held for review", (Status.HELD,)),
    Status.SUCCEEDED: ("Succeeded", (Status.SUCCEEDED,)),
    Status.FAILED: ("Failed", (Status.FAILED,)),
    Status.BLOCKED: ("Blocked", (Status.BLOCKED,)),
    Status.CANCELED: ("Canceled", (Status.CANCELED,)),
}


@login_required
def history(request):
    """The user's (or, for everyone in the team, the team's) generations, newest first, keyset-paginated:
    each page asks for rows with an id below the last one seen, so page 500 costs what page 1 costs."""
    membership = membership_or_404(request)
    params = request.GET
    scope = params.get("scope") if params.get("scope") in ("mine", "team") else "mine"
    queryset = team_generations(membership.team, created_by=request.user if scope == "mine" else None)
    filters = {name: params.get(name, "").strip() for name in ("status", "kind", "model", "member", "q", "since", "until")}
    if filters["status"] in HISTORY_STATUSES:
        queryset = queryset.filter(status__in=HISTORY_STATUSES[filters["status"]][1])
    else:
        filters["status"] = ""
    if filters["kind"] in KINDS:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["model"] in MODELS:
        queryset = queryset.filter(model_name=filters["model"])
    if filters["member"] and scope == "team":
        queryset = queryset.filter(created_by__email__iexact=filters["member"])
    if filters["q"]:
        queryset = matching_prompt(queryset, filters["q"][:200])
    for name, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        if filters[name]:
            try:
                queryset = queryset.filter(**{lookup: datetime.date.fromisoformat(filters[name])})
            except ValueError:
                filters[name] = ""
    before = params.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset.order_by("-id")[: HISTORY_PAGE_SIZE + 1])
    page, more = rows[:HISTORY_PAGE_SIZE], len(rows) > HISTORY_PAGE_SIZE
    query = {key: value for key, value in filters.items() if value}
    query["scope"] = scope
    return render(
        request,
        "generations/history.html",
        {
            "generations": page,
            "next_query": urlencode({**query, "before": page[-1].id}) if more else None,
            "first_query": urlencode(query) if before else None,
            "scope": scope,
            "filters": filters,
            "statuses": [(value, label) for value, (label, _) in HISTORY_STATUSES.items()],
            "filtered": any(value for name, value in filters.items()),
            "models": [name for name in MODELS],
            "kinds": list(KIND_LABELS.items()),
        },
    )


def remix_url(generation):
    """A create form prefilled from `generation`, recording it as the parent; the form also offers the
    clip's input images again (see _offer_remix_inputs)."""
    query = {"remix_of": str(generation.public_id)}
    if generation.kind in ("text2video", "image2video", "multi-image2video"):
        query.update(prompt=generation.prompt, negative_prompt=generation.negative_prompt, mode=generation.mode,
                     duration=generation.duration)
    if generation.kind == "text2video":
        query.update(model=generation.model_name, aspect_ratio=generation.aspect_ratio)
        return f"{reverse('generations:create')}?{urlencode(query)}"
    if generation.kind == "image2video":
        query["model"] = generation.model_name
        return f"{reverse('generations:create_from_image')}?{urlencode(query)}"
    if generation.kind == "multi-image2video":
        query["aspect_ratio"] = generation.aspect_ratio
        return f"{reverse('generations:create_from_images')}?{urlencode(query)}"
    if generation.kind == "effects":
        scene = (generation.options or {}).get("effect_scene", "")
        return f"{reverse('generations:create_effect')}?{urlencode({'effect_scene': scene, 'remix_of': str(generation.public_id)})}"
    if generation.kind == MOTION_CONTROL:
        # The same clip, facing, prompt, model and mode (and the character image, offered again like an upload).
        options = generation.options or {}
        query.update(prompt=generation.prompt, mode=generation.mode, model=generation.model_name,
                     parent_id=str(generation.parent.public_id) if generation.parent else "",
                     character_orientation=options.get("character_orientation", "image"))
        return f"{reverse('generations:create_motion_control')}?{urlencode(query)}"
    if generation.kind == MULTI_ELEMENTS:
        # The same clip, edit, marks (of their first frame), prompt and mode (and the images, offered again like uploads).
        options = generation.options or {}
        marks = (options.get("selection") or [{}])[0]
        query.update(prompt=generation.prompt, mode=generation.mode, edit_mode=options.get("edit_mode", "swap"),
                     parent_id=str(generation.parent.public_id) if generation.parent else "", frame=marks.get("frame_index", 0),
                     points="; ".join(f"{point['x']:g},{point['y']:g}" for point in marks.get("points", [])))
        return f"{reverse('generations:create_edit_clip')}?{urlencode(query)}"
    if generation.kind == IMAGE_GENERATION:
        # The same prompt, count, shape, model and reference (the image offered again like an upload).
        options = generation.options or {}
        query.update(prompt=generation.prompt, negative_prompt=generation.negative_prompt, model=generation.model_name,
                     aspect_ratio=generation.aspect_ratio, n=options.get("n", 1), image_reference=options.get("image_reference", ""))
        return f"{reverse('generations:create_image_generation')}?{urlencode(query)}"
    if generation.kind in IMAGE_FAMILY_PAGES:
        # The same prompt, count, shape, model and expansion (the images offered again like uploads).
        options = generation.options or {}
        query.update(prompt=generation.prompt, model=generation.model_name, n=options.get("n", 1),
                     **({"aspect_ratio": generation.aspect_ratio} if generation.aspect_ratio else {}),
                     **{name: value for name, value in options.items() if name.endswith("_expansion_ratio")})
        return f"{reverse(IMAGE_FAMILY_PAGES[generation.kind])}?{urlencode(query)}"
    if generation.kind == TEXT_TO_AUDIO:
        query.update(prompt=generation.prompt, duration=(generation.options or {}).get("seconds", generation.duration))
        return f"{reverse('generations:create_sound')}?{urlencode(query)}"
    if generation.kind == VIDEO_TO_AUDIO:
        options = generation.options or {}
        query.update(parent_id=str(generation.parent.public_id) if generation.parent else "",
                     sound_effect_prompt=generation.prompt, bgm_prompt=options.get("bgm_prompt", ""))
        return f"{reverse('generations:create_clip_sound')}?{urlencode(query)}"
    if generation.kind == OMNI_VIDEO:
        # The same prompt, model and mode (and the images, offered again like uploads).
        query.update(prompt=generation.prompt, mode=generation.mode, model=generation.model_name)
        return f"{reverse('generations:create_omni_video')}?{urlencode(query)}"
    if generation.kind == AVATAR:
        # The same portrait (offered again like an upload) saying the same words, in the same voice and mode.
        options = generation.options or {}
        query.update(prompt=generation.prompt, mode=generation.mode,
                     **{name: options[name] for name in ("text", "voice_id", "voice_language", "voice_speed") if name in options})
        return f"{reverse('generations:create_avatar')}?{urlencode(query)}"
    # An extended or lip-synced clip is remixed by extending it further.
    return reverse("generations:extend", args=[generation.public_id])


def held_reasons(generation, item, *, restricted):
    """Why a generation waits for a person, in plain words: (sentences, the screening's suggestion, whether
    a consent record would help). From what the checks recorded on the generation and its review item."""
    screened = generation.screening_result or {}
    categories = {name: score for name, score in ((item.categories if item else None) or {}).items() if score}
    top = max(categories, key=categories.get) if categories else None
    words = CATEGORY_WORDS.get(top, "something our content policy restricts")
    stage = item.stage if item else generation.stage
    reasons, suggestion, consent = [], "", False
    if stage == Stage.OUTPUT:
        reasons.append(
            f"The clip was made. Every finished clip is checked before anyone sees it, and the check was unsure "
            f"whether this one shows {words}."
        )
    elif stage == Stage.INPUT:
        if (screened.get("input_scan") or {}).get("verdict", "allow") != "allow":
            reasons.append(f"The image you uploaded may show {words}. Images are checked before they are animated.")
        if (screened.get("likeness") or {}).get("decision", "allow") != "allow":
            reasons.append(
                "A real person's face appears in what you asked to animate, and no consent record of your team covers it."
            )
            consent = True
    else:
        if screened.get("decision") == "review":
            together = ", together with your recent prompts," if screened.get("escalation") else ""
            reasons.append(f"Our automatic screening thought the prompt{together} may involve {words}.")
            suggestion = screened.get("suggestion") or ""
        if restricted or screened.get("decision", "allow") == "allow":
            reasons.append(
                "Your account is in restricted standing for now, so a person checks each of your generations before it runs."
            )
    if not reasons:
        reasons.append("Our automatic checks were unsure about it, so a person decides.")
    return reasons, suggestion, consent


def _held_panel(request, generation):
    """What the page of a held generation says: why, how long it usually takes, and what the person can do."""
    item = generation.review_items.filter(kind=ReviewKind.HELD, decision="").order_by("-created_at").first()
    restricted = current_standing(generation.created_by).level == StandingLevel.RESTRICTED
    reasons, suggestion, consent = held_reasons(generation, item, restricted=restricted)
    wait = None
    if item is not None:
        now = timezone.now()
        ahead, typical = review_queue_standing(item, now=now)
        wait = wait_in_words(estimate_review_wait(priority=item.priority, waited=now - item.created_at, ahead=ahead, typical=typical))
    return {
        "item": item,
        "output": (item.stage if item else generation.stage) == Stage.OUTPUT,
        "reasons": reasons,
        "suggestion": suggestion,
        "consent": consent,
        "wait": wait,
        "is_author": generation.created_by_id == request.user.pk,
        "context_max": CONTEXT_MAX_CHARS,
    }


def _detail_page(request, generation, *, extra=None, status=200):
    appeal = generation.review_items.filter(kind="appeal").first()
    can_appeal = (
        appeal is None
        and generation.status == Status.BLOCKED
        and generation.stage in ("prompt", "input", "output")
        and generation.created_by_id == request.user.pk
    )
    return render(
        request,
        "generations/detail.html",
        {
            "generation": generation,
            "summary": generation_summary(generation, for_api=False),
            "appeal": appeal,
            "can_appeal": can_appeal,
            "held": _held_panel(request, generation) if generation.status == Status.HELD else None,
            "kind_label": KIND_LABELS.get(generation.kind, generation.kind),
            "children": generation.children.order_by("-id")[:12],
            "gallery_item": GalleryItem.objects.filter(generation=generation).first(),
            "remix_url": remix_url(generation),
            "extra_inputs": [asset.role for asset in generation.assets.all() if asset.role.startswith("input_image_") and asset.role != "input_image_tail"],
            "input_origins": input_origins(generation),
            "input_audio": generation.asset(AssetRole.INPUT_AUDIO),
            "has_input_image": generation.asset(AssetRole.INPUT_IMAGE) is not None,
            "image_kind": generation.kind in IMAGE_KINDS,
            # Released by a moderator and waiting for one of the team's concurrency slots.
            "waiting_for_slot": generation.status == Status.QUEUED and not generation.holds_slot,
            **(extra or {}),
        },
        status=status,
    )


@login_required
def detail(request, generation_id):
    return _detail_page(request, _generation_or_404(request, generation_id))


@login_required
@require_POST
def add_context(request, generation_id):
    """The author of a held generation tells the moderator what it is for (screened; audited)."""
    generation = _generation_or_404(request, generation_id)
    text = request.POST.get("context", "")
    try:
        do_add_review_context(generation, request.user, text, request=request)
    except GenerationError as error:  # a ReviewError, or the screening's refusal
        if error.http_status in (403, 409):
            messages.error(request, f"{error.message} ({error.code})")
            return redirect("generations:detail", generation.public_id)
        return _detail_page(request, generation, extra={"context_error": error, "context_text": text}, status=error.http_status)
    messages.success(request, "Thanks: the moderator reads your note before deciding.")
    return redirect("generations:detail", generation.public_id)


@login_required
@require_POST
def withdraw(request, generation_id):
    """Withdraw a held generation: it never runs, its credits come back, and it leaves the review queue."""
    generation = _generation_or_404(request, generation_id)
    try:
        generation, still_reviewed = do_withdraw_held(generation, request.user)
    except GenerationError as error:
        messages.error(request, f"{error.message} ({error.code})")
    else:
        note = " A moderator still looks at what it was held for." if still_reviewed else ""
        messages.success(request, f"Withdrawn. It will not run, and its {generation.price_credits} credits are back with your team.{note}")
    return redirect("generations:detail", generation.public_id)


@never_cache
@login_required
@require_GET
def status(request, generation_id):
    generation = _generation_or_404(request, generation_id)
    return JsonResponse(generation_summary(generation, for_api=False))


@login_required
@require_POST
def cancel(request, generation_id):
    generation = _generation_or_404(request, generation_id)
    try:
        do_cancel_generation(generation, actor=Actor(user=request.user))
        messages.success(request, "Generation canceled.")
    except GenerationError as error:
        messages.error(request, error.message)
    return redirect("generations:detail", generation.public_id)


def _released_input(generation, role):
    """A quarantined input image of a generation a moderator approved after holding it (never one withheld
    for good since: a child-safety report, a takedown)."""
    if not generation.review_items.filter(kind=ReviewKind.HELD, decision=ReviewDecision.APPROVED).exists():
        return None
    if withheld_for_good(generation):
        return None
    return generation.assets.filter(role=role).first()


def _media(request, generation_id, role):
    generation = _generation_or_404(request, generation_id)
    if role in INPUT_ROLES.values():
        # The team's own upload, visible at any status — unless the scanner flagged it: then only once a
        # moderator approved the generation.
        asset = deliverable_asset(generation, role) or _released_input(generation, role)
    else:
        asset = deliverable_asset(generation, role) if generation.status == Status.SUCCEEDED else None
    if asset is None:
        raise Http404("No such file.")
    response = serve_file(request, asset)
    if not response.has_header("Location"):  # a presigned redirect expires: serve_file marked it no-store
        response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def video(request, generation_id):
    return _media(request, generation_id, AssetRole.VIDEO)


@login_required
@require_GET
def poster(request, generation_id):
    return _media(request, generation_id, AssetRole.POSTER)


@login_required
@require_GET
def image(request, generation_id, index):
    """One still of a succeeded image generation (index 0 is the first)."""
    if not 0 <= index < len(OUTPUT_IMAGE_ROLES):
        raise Http404("No such file.")
    return _media(request, generation_id, OUTPUT_IMAGE_ROLES[index])


@login_required
@require_GET
def audio(request, generation_id):
    """A sound kind's MP3."""
    return _media(request, generation_id, AssetRole.AUDIO)


INPUT_ROLES = {
    "start": AssetRole.INPUT_IMAGE,
    "end": AssetRole.INPUT_IMAGE_TAIL,
    "2": AssetRole.INPUT_IMAGE_2,
    "3": AssetRole.INPUT_IMAGE_3,
    "4": AssetRole.INPUT_IMAGE_4,
    "5": AssetRole.INPUT_IMAGE_5,
    "6": AssetRole.INPUT_IMAGE_6,
    "7": AssetRole.INPUT_IMAGE_7,
    "audio": AssetRole.INPUT_AUDIO,
}


@login_required
@require_GET
def input_image(request, generation_id, which):
    role = INPUT_ROLES.get(which)
    if role is None:
        raise Http404("No such file.")
    return _media(request, generation_id, role)


@login_required
@require_POST
def check_prompt(request):
    """Screening feedback while typing: what would happen to this prompt, in the user's words — never the
    offending words back. Rate-limited; it records nothing and costs nothing."""
    try:
        check_prompt_check_rate(request.user)
    except RateLimited as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=429)
    try:
        body = parse_json_body(request.body)
        if not isinstance(body, dict):
            raise GenerationError("invalid_json", "The body must be a JSON object.")
    except GenerationError as error:
        return JsonResponse({"error": {**error.as_dict(), "request_id": getattr(request, "request_id", "")}}, status=400)
    prompt = str(body.get("prompt", ""))[:2500]
    # A multi-shot script's shots (text only), screened each on its own as well as with the prompt.
    shots = body.get("shots") if isinstance(body.get("shots"), list) else []
    shots = [str(text)[:MAX_SHOT_PROMPT_CHARS] for text in shots[:MAX_SHOTS] if str(text).strip()]
    if not prompt.strip() and not shots:
        return JsonResponse({"decision": "allow", "message": ""})
    restricted = current_standing(request.user).level == StandingLevel.RESTRICTED
    # The same screening as a submit, recent prompts included, so the hint never promises what the submit
    # then refuses.
    script = {"multi_prompt": [{"index": n, "prompt": text, "duration": "1"} for n, text in enumerate(shots, start=1)]}
    # An inline "negative:" section is read as the submit will send it: as part of the negative prompt.
    prompt, negative_prompt = with_inline_negative(prompt, str(body.get("negative_prompt", ""))[:2500])
    decision = screen_request(
        GenerationRequest(kind=TEXT2VIDEO, prompt=prompt, model_name="", duration="", options=script if shots else {},
                          negative_prompt=negative_prompt),
        strict=restricted or screening.user_is_restricted(request.user), history=screening_history(request.user),
    )
    message = decision.preview
    if not message and restricted:
        message = "While your account is restricted, every generation waits for a moderator before it runs."
    return JsonResponse({
        "decision": decision.decision,
        "message": message,
        "suggestion": decision.suggestion if message else "",
        "adds_strike": decision.decision == screening.BLOCK,
    })
