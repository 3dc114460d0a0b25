"""Driving one generation through the upstream: submit, poll, download, scan, deliver.

`advance_generation` is idempotent: whatever state the row is in, it takes the next step from there, so
a job that runs twice, or a worker that died half-way, never produces a second upstream task (the
generation's public id is the upstream `external_task_id`) or a second delivery (transitions are
compare-and-set).
"""

import dataclasses
import io
import logging
import random
import shutil
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from accounts.models import Standing, StandingLevel
from accounts.redis_client import redis_connection
from generations.actions import elements as element_actions
from generations.actions import generation as actions
from generations.actions import hashbanks, review_queue
from generations.catalog import (
    AUDIO_KINDS,
    AVATAR,
    EFFECTS,
    EXPANSION_SIDES,
    IMAGE2VIDEO,
    IMAGE_COUNT_RANGE,
    IMAGE_EXPAND,
    IMAGE_GENERATION,
    IMAGE_KINDS,
    LIP_SYNC,
    MOTION_CONTROL,
    MULTI_ELEMENTS,
    MULTI_IMAGE2VIDEO,
    OMNI_IMAGE,
    OMNI_VIDEO,
    TEXT2VIDEO,
    TEXT_TO_AUDIO,
    TWO_PERSON_EFFECTS,
    VIDEO_EXTEND,
    VIDEO_TO_AUDIO,
)
from generations.errors import GenerationError
from generations.inputs import audio as audio_inputs
from generations.inputs.images import upstream_base64
from generations.inputs.media import MediaError
from generations.models import AssetRole, Element, Generation
from generations.moderation.visual import aggregate, coverage, hashing, minors, scanning
from generations.presenters import callback_url_for
from generations.provenance import marking
from generations.provenance.marking import ProvenanceUnavailable
from generations.providers import ProviderError, get_provider
from generations.providers.base import FAILED, SUCCEED
from generations.providers.errors import classify_error, is_risk_control_failure
from generations.states import Stage, Status, rendering_progress

logger = logging.getLogger(__name__)

# Injected by tests that need to observe or shorten waiting; production sleeps for real.
sleep = time.sleep


def advance_generation(generation_id):
    generation = Generation.objects.select_related("team", "parent").filter(pk=generation_id).first()
    if generation is None or generation.is_terminal:
        return
    provider = get_provider()
    try:
        if generation.status == Status.QUEUED:
            if _waiting_for_slot(generation):
                return
            _submit(generation, provider)
        elif generation.status == Status.SUBMITTING:
            # A worker died while submitting: the upstream may or may not have the task.
            _recover_submission(generation, provider)
        if generation.status == Status.GENERATING:
            _poll(generation, provider)
        elif generation.status == Status.SCANNING:
            # A worker died after the render finished: fetch the result again.
            _finish(generation, provider, provider.get_task(generation.kind, generation.provider_task_id))
    except actions.StaleTransition:
        # Someone else (a cancel, another worker) moved the generation first; their move stands.
        logger.info("generation %s moved under us; leaving it", generation.public_id)


def upstream_payload(generation, *, video_url_of=None, open_session=None, element_ids_of=None) -> dict:
    """The create body for the generation's kind, in the upstream's own shape (shared/KLING_API.md).
    `video_url_of(parent)` gives the URL the upstream fetches a referenced clip from (omni-video's
    video_list): the upstream's own result URL of that clip, fresh from a query (see _submit). `open_session(url,
    selection)` opens a multi-elements selection session upstream on that URL and marks the points (see
    open_selection_session). `element_ids_of(generation)` gives the upstream's own ids of the elements element_list
    names, creating them there first where needed (see upstream_element_ids)."""
    images = _input_images_base64(generation)
    common = {"external_task_id": str(generation.public_id)}
    if (generation.options or {}).get("watermark"):
        common["watermark_info"] = {"enabled": True}
    callback_url = callback_url_for(generation)
    if callback_url:
        common["callback_url"] = callback_url
    options = generation.options or {}
    if generation.kind == VIDEO_EXTEND:
        payload = {"video_id": generation.parent.provider_video_id}
        payload.update(_texts(generation))
        if generation.cfg_scale is not None:
            payload["cfg_scale"] = generation.cfg_scale
        return {**payload, **common}
    if generation.kind == LIP_SYNC:
        lip_sync = {"video_id": generation.parent.provider_video_id, "mode": options.get("mode", "text2video")}
        if lip_sync["mode"] == "audio2video":
            audio = generation.assets.filter(role=AssetRole.INPUT_AUDIO).first()
            with audio.file.open("rb") as handle:
                lip_sync.update(audio_type="file", audio_file=upstream_base64(handle.read()))
        else:
            lip_sync.update({name: options[name] for name in ("text", "voice_id", "voice_language", "voice_speed")})
        return {"input": lip_sync, **common}
    if generation.kind == AVATAR:
        # The portrait, then the speech: the uploaded audio as `sound_file`, or the text and its voice.
        avatar = {"image": images[AssetRole.INPUT_IMAGE], "mode": generation.mode}
        if generation.prompt:
            avatar["prompt"] = generation.prompt
        if options.get("speech") == "audio":
            audio = generation.assets.filter(role=AssetRole.INPUT_AUDIO).first()
            with audio.file.open("rb") as handle:
                avatar["sound_file"] = upstream_base64(handle.read())
        else:
            avatar.update({name: options[name] for name in ("text", "voice_id", "voice_language", "voice_speed")})
        return {**avatar, **common}
    if generation.kind == OMNI_VIDEO:
        return {**_omni_payload(generation, images, options, video_url_of), **_element_list(generation, element_ids_of), **common}
    if generation.kind == MOTION_CONTROL:
        return {**_motion_payload(generation, images, options, video_url_of), **common}
    if generation.kind == MULTI_ELEMENTS:
        return {**_multi_elements_payload(generation, images, options, video_url_of, open_session), **common}
    if generation.kind == IMAGE_GENERATION:
        return {**_image_payload(generation, images, options), **common}
    if generation.kind in IMAGE_KINDS:
        return {**_image_family_payload(generation, list(images.values()), options), **_element_list(generation, element_ids_of),
                **common}
    if generation.kind in AUDIO_KINDS:
        return {**_sound_payload(generation, options), **common}
    if generation.kind == EFFECTS:
        scene = options.get("effect_scene", "")
        pictures = list(images.values())
        if scene in TWO_PERSON_EFFECTS:
            effect_input = {"model_name": generation.model_name, "mode": generation.mode, "images": pictures,
                            "duration": generation.duration}
        else:
            effect_input = {"image": pictures[0], "duration": generation.duration}
        return {"effect_scene": scene, "input": effect_input, **common}
    payload = {"model_name": generation.model_name, "mode": generation.mode, "duration": generation.duration}
    payload.update(_texts(generation))
    if generation.kind in (TEXT2VIDEO, MULTI_IMAGE2VIDEO):
        payload["aspect_ratio"] = generation.aspect_ratio
    if generation.cfg_scale is not None:
        payload["cfg_scale"] = generation.cfg_scale
    if generation.camera_control:
        payload["camera_control"] = generation.camera_control
    if generation.kind == MULTI_IMAGE2VIDEO:
        payload["image_list"] = [{"image": image} for image in images.values()]
    else:
        for role, name in ((AssetRole.INPUT_IMAGE, "image"), (AssetRole.INPUT_IMAGE_TAIL, "image_tail")):
            if role in images:
                payload[name] = images[role]
    if generation.kind in (TEXT2VIDEO, IMAGE2VIDEO):
        payload.update(_sound_and_shots(options))
    return {**payload, **common}


def _omni_payload(generation, images, options, video_url_of):
    """omni-video: image_list in the order the prompt numbers them (<<<image_N>>>), each typed first_frame or
    end_frame where it is one; video_list with the clip's upstream URL; duration and aspect_ratio only where the
    catalog kept them (a clip to edit keeps its own length, a first frame its own shape)."""
    payload = {"model_name": generation.model_name, "prompt": generation.prompt, "mode": generation.mode}
    types = options.get("image_types") or []
    image_list = []
    for position, image in enumerate(images.values()):
        entry = {"image_url": image}
        if position < len(types) and types[position]:
            entry["type"] = types[position]
        image_list.append(entry)
    if image_list:
        payload["image_list"] = image_list
    video = options.get("video")
    if video and generation.parent is not None:
        if video_url_of is None:
            raise ValueError("omni-video with a clip needs video_url_of")
        payload["video_list"] = [{"video_url": video_url_of(generation.parent), **video}]
    if not (video or {}).get("refer_type") == "base":
        payload["duration"] = generation.duration
    if generation.aspect_ratio:
        payload["aspect_ratio"] = generation.aspect_ratio
    return payload


def _motion_payload(generation, images, options, video_url_of):
    """motion-control: the character image as Base64 `image_url`, the motion clip's upstream URL as `video_url`,
    character_orientation, keep_original_sound and mode (all three required upstream); the prompt when written.
    No duration: the result lasts as long as the clip."""
    if video_url_of is None:
        raise ValueError("motion-control needs video_url_of")
    payload = {
        "model_name": generation.model_name,
        "image_url": images[AssetRole.INPUT_IMAGE],
        "video_url": video_url_of(generation.parent),
        "character_orientation": options.get("character_orientation", "image"),
        "keep_original_sound": options.get("keep_original_sound", "yes"),
        "mode": generation.mode,
    }
    if generation.prompt:
        payload["prompt"] = generation.prompt
    return payload


def _image_payload(generation, images, options):
    """images/generations: the prompt (and negative prompt), n, aspect_ratio; a reference image as Base64 with
    its image_reference (kling-v1-5) and fidelities. No mode or duration: a still has neither."""
    payload = {"model_name": generation.model_name, "n": options.get("n", 1), "aspect_ratio": generation.aspect_ratio}
    payload.update(_texts(generation))
    if AssetRole.INPUT_IMAGE in images:
        payload["image"] = images[AssetRole.INPUT_IMAGE]
        payload.update({name: options[name] for name in ("image_reference", "image_fidelity", "human_fidelity") if name in options})
    return payload


def _image_family_payload(generation, pictures, options):
    """The rest of the image family, in each route's own body: expand sends the image and its four ratios (and no
    model: the route names none); omni-image the prompt, image_list [{image}] in the order the prompt numbers them
    and aspect_ratio; multi-image2image subject_image_list [{subject_image}], then scene_image and style_image where
    given, and aspect_ratio. Every one sends n and the prompt when there is one."""
    payload = {"n": options.get("n", 1)}
    if generation.prompt:
        payload["prompt"] = generation.prompt
    if generation.kind == IMAGE_EXPAND:
        payload["image"] = pictures[0]
        payload.update({f"{side}_expansion_ratio": options.get(f"{side}_expansion_ratio", 0.0) for side in EXPANSION_SIDES})
        return payload
    payload.update(model_name=generation.model_name, aspect_ratio=generation.aspect_ratio)
    if generation.kind == OMNI_IMAGE:
        if pictures:
            payload["image_list"] = [{"image": picture} for picture in pictures]
        return payload
    subjects = options.get("subjects", len(pictures))
    payload["subject_image_list"] = [{"subject_image": picture} for picture in pictures[:subjects]]
    rest = iter(pictures[subjects:])
    for name in ("scene_image", "style_image"):
        if options.get(name):
            payload[name] = next(rest)
    return payload


def _multi_elements_payload(generation, images, options, video_url_of, open_session):
    """multi-elements: a session opened upstream on the clip's upstream URL with the same marks, then the edit:
    session_id, edit_mode, image_list [{image}] (Base64, none for removal), prompt, negative_prompt, mode and
    duration (5 or 10, from the clip)."""
    if video_url_of is None or open_session is None:
        raise ValueError("multi-elements needs video_url_of and open_session")
    payload = {
        "model_name": generation.model_name,
        "session_id": open_session(video_url_of(generation.parent), options.get("selection") or []),
        "edit_mode": options.get("edit_mode", ""),
        "prompt": generation.prompt,
        "mode": generation.mode,
        "duration": generation.duration,
    }
    pictures = [images[role] for role in _MULTI_ELEMENT_ROLES if role in images]
    if pictures:
        payload["image_list"] = [{"image": picture} for picture in pictures]
    if generation.negative_prompt:
        payload["negative_prompt"] = generation.negative_prompt
    return payload


_MULTI_ELEMENT_ROLES = (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_2)


def open_selection_session(provider, video_url, selection) -> str:
    """Open a multi-elements selection session upstream on `video_url` and mark each frame's points in it (one
    add-selection a frame, as upstream takes them); its session_id."""
    session_id = provider.selection("init", {"video_url": video_url})["session_id"]
    for mark in selection:
        provider.selection("add", {"session_id": session_id, "frame_index": mark["frame_index"], "points": mark["points"]})
    return session_id


def _element_list(generation, element_ids_of) -> dict:
    """element_list [{element_id}] with the upstream's own ids, in the order the prompt numbers them; {} without."""
    if not (generation.options or {}).get("element_ids"):
        return {}
    if element_ids_of is None:
        raise ValueError("a generation with elements needs element_ids_of")
    return {"element_list": [{"element_id": int(upstream_id) if upstream_id.isdigit() else upstream_id}
                             for upstream_id in element_ids_of(generation)]}


# How long creating an element upstream may take before the submit counts as a (retried) timeout, and how often it
# is asked about meanwhile.
ELEMENT_CREATE_WAIT_S = 120
ELEMENT_POLL_S = 0.2


def provider_element_key(provider) -> str:
    """Which upstream account an element's upstream id belongs to: the provider and its address."""
    return f"{provider.name}@{getattr(provider, 'base_url', '')}"


def upstream_element_ids(provider, generation) -> list:
    """The upstream's ids of the elements the generation names, in order: the one remembered for this provider, or a
    new element created there from the studio's copy (its images as Base64, or its clip's upstream URL) and awaited
    until it succeeds. A refusal by the upstream's content safety is a ProviderError with content_policy set."""
    ids = (generation.options or {}).get("element_ids") or []
    elements = {element.element_id: element
                for element in Element.objects.filter(team_id=generation.team_id, element_id__in=ids).prefetch_related("images")}
    key = provider_element_key(provider)
    upstream = []
    for element_id in ids:
        element = elements.get(element_id)
        if element is None:
            raise ProviderError("element_missing", f"Element {element_id} is no longer in the library.", permanent=True)
        upstream.append((element.upstream_ids or {}).get(key) or _create_upstream_element(provider, element, key, generation))
    return upstream


def _forget_upstream_elements(generation, provider) -> bool:
    """Forget the upstream ids this provider gave the generation's elements; whether there were any to forget."""
    key = provider_element_key(provider)
    ids = (generation.options or {}).get("element_ids") or []
    forgot = False
    for element in Element.objects.filter(team_id=generation.team_id, element_id__in=ids):
        if key in (element.upstream_ids or {}):
            element_actions.do_forget_upstream_element(element, provider_key=key)
            forgot = True
    return forgot


def upstream_element_payload(provider, element, *, external_task_id) -> dict:
    """The creation body of an element, in the upstream's shape."""
    payload = {"element_name": element.name, "element_description": element.description,
               "reference_type": element.reference_type, "external_task_id": external_task_id}
    if element.tags:
        payload["tag_list"] = [{"tag_id": tag} for tag in element.tags]
    if element.reference_type == "video_refer":
        payload["element_video_list"] = {"refer_videos": [{"video_url": upstream_video_url(provider, element.clip)}]}
        return payload
    pictures = []
    for stored in element.images.all():
        with stored.file.open("rb") as handle:
            pictures.append(upstream_base64(handle.read()))
    payload["element_image_list"] = {"frontal_image": pictures[0], "refer_images": [{"image_url": picture} for picture in pictures[1:]]}
    return payload


def _create_upstream_element(provider, element, key, generation) -> str:
    # Its own external id per element, generation and submit attempt: a retry of the same attempt adopts what an earlier
    # call made, while an element made again (the upstream forgot the first) never adopts the forgotten one.
    external_task_id = f"studio-element-{element.element_id}-{generation.public_id.hex[:12]}-{generation.submit_attempts}"
    payload = upstream_element_payload(provider, element, external_task_id=external_task_id)
    try:
        task = provider.create_element(payload)
    except ProviderError as error:
        if not (error.upstream_code == 1201 and "external_task_id" in error.message.lower()):
            raise
        task = provider.get_element(payload["external_task_id"])  # an earlier attempt made it: adopt that task
    deadline = time.monotonic() + ELEMENT_CREATE_WAIT_S
    while not task.finished:
        if time.monotonic() > deadline:
            raise ProviderError("upstream_timeout", f"Element {element.element_id} was not ready upstream in time.", permanent=False)
        time.sleep(ELEMENT_POLL_S)
        task = provider.get_element(task.task_id)
    if task.status == "failed":
        refused = is_risk_control_failure(task.status_message)
        raise ProviderError(
            "upstream_refused" if refused else "upstream_element_failed",
            f"The video service did not create element {element.element_id}: {task.status_message or 'failed'}",
            permanent=True, upstream_code=1301 if refused else None, content_policy=refused,
        )
    element_actions.do_record_upstream_element(element, provider_key=key, upstream_id=task.element_id)
    return task.element_id


def upstream_video_url(provider, parent) -> str:
    """The URL the upstream serves `parent`'s clip from: a fresh query of the task that made it (its URLs
    expire, so a stored one would not do)."""
    snapshot = provider.get_task(parent.kind, parent.provider_task_id)
    if not snapshot.video_url:
        raise classify_error(None, 1201, "the referenced clip has no result URL at the video service")
    return snapshot.video_url


def _sound_and_shots(options):
    """Native audio and a multi-shot script, as the upstream takes them (checked by the catalog at submit)."""
    fields = {"sound": "on"} if options.get("sound") == "on" else {}
    if options.get("multi_shot"):
        fields.update(multi_shot=True, shot_type=options["shot_type"])
        if options.get("multi_prompt"):
            fields["multi_prompt"] = [dict(shot) for shot in options["multi_prompt"]]
    return fields


def _sound_payload(generation, options):
    """text-to-audio: the prompt and its duration (a number, to a tenth of a second). video-to-audio: the clip's
    upstream video_id, the effect and music prompts when written, asmr_mode. Neither takes a model name."""
    if generation.kind == TEXT_TO_AUDIO:
        return {"prompt": generation.prompt, "duration": options.get("seconds", float(generation.duration or 5))}
    payload = {"video_id": generation.parent.provider_video_id}
    if generation.prompt:
        payload["sound_effect_prompt"] = generation.prompt
    if options.get("bgm_prompt"):
        payload["bgm_prompt"] = options["bgm_prompt"]
    if options.get("asmr_mode"):
        payload["asmr_mode"] = True
    return payload


def _texts(generation):
    texts = {"prompt": generation.prompt} if generation.prompt else {}
    if generation.negative_prompt:
        texts["negative_prompt"] = generation.negative_prompt
    return texts


_IMAGE_ORDER = (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_TAIL, AssetRole.INPUT_IMAGE_2, AssetRole.INPUT_IMAGE_3,
                AssetRole.INPUT_IMAGE_4, AssetRole.INPUT_IMAGE_5, AssetRole.INPUT_IMAGE_6, AssetRole.INPUT_IMAGE_7)


def _input_images_base64(generation) -> dict:
    """{role: raw base64} of the generation's input images, in upload order."""
    assets = {asset.role: asset for asset in generation.assets.filter(role__in=_IMAGE_ORDER)}
    encoded = {}
    for role in _IMAGE_ORDER:
        if role in assets:
            with assets[role].file.open("rb") as handle:
                encoded[role] = upstream_base64(handle.read())
    return encoded


def backoff_delay(attempt: int, *, base=1.0, cap=8.0, jitter=random.random) -> float:
    """Exponential backoff with full jitter: attempt 1 → up to 1 s, 2 → up to 2 s, … capped."""
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + 0.5 * jitter())


COOLDOWN_KEY = "upstream:cooldown"


def upstream_is_saturated() -> bool:
    """Whether to hold back new submits: the upstream recently said "too many", or the studio already has
    UPSTREAM_MAX_IN_FLIGHT tasks there. Lets the upstream recover instead of being hammered."""
    try:
        if redis_connection().exists(COOLDOWN_KEY):
            return True
    except redis.RedisError:
        pass
    in_flight = Generation.objects.filter(status__in=(Status.SUBMITTING, Status.GENERATING)).count()
    return in_flight >= settings.UPSTREAM_MAX_IN_FLIGHT


def _start_cooldown(seconds):
    try:
        redis_connection().set(COOLDOWN_KEY, 1, px=max(1, int(seconds * 1000)))
    except redis.RedisError:
        pass


def _waiting_for_slot(generation) -> bool:
    """Whether a queued generation must wait for one of its team's concurrency slots. One released by a
    moderator holds none (waiting for review did not occupy the upstream) and takes one here, before
    anything reaches the upstream. While none is free its job comes back after GENERATION_SLOT_RETRY_S
    (the worker is not kept busy); GENERATION_SLOT_WAIT_S after it joined the queue it fails instead, with
    its credits released. Taking the slot is a compare-and-set, so a job that runs twice takes one slot."""
    if generation.holds_slot or actions.do_take_slot(generation):
        return False
    generation.refresh_from_db(fields=["status"])
    if generation.status != Status.QUEUED:
        return True  # canceled meanwhile: nothing to wait for
    waited_s = (timezone.now() - (generation.queued_at or generation.created_at)).total_seconds()
    if waited_s > settings.GENERATION_SLOT_WAIT_S:
        actions.do_fail_generation(generation, code=SLOT_WAIT_EXPIRED, message=slot_wait_message())
    else:
        actions.do_requeue_generation(generation, delay_s=settings.GENERATION_SLOT_RETRY_S)
    return True


SLOT_WAIT_EXPIRED = "slot_wait_expired"


def slot_wait_message():
    hours = settings.GENERATION_SLOT_WAIT_S / 3600
    span = f"{hours:g} hour{'s' if hours != 1 else ''}" if hours >= 1 else f"{settings.GENERATION_SLOT_WAIT_S // 60} minutes"
    return (
        f"A moderator released it, but your team's other generations kept every slot busy for {span}, so it never "
        "started. Its credits were released; submit it again when fewer are running."
    )


def _submit(generation, provider):
    if upstream_is_saturated():
        sleep(backoff_delay(1))
        actions.do_requeue_generation(generation)
        return
    while True:
        actions.do_transition(
            generation,
            Status.SUBMITTING,
            stage=Stage.UPSTREAM,
            fields={"submit_attempts": generation.submit_attempts + 1, "provider": provider.name},
        )
        try:
            payload = upstream_payload(
                generation, video_url_of=lambda parent: upstream_video_url(provider, parent),
                open_session=lambda url, selection: open_selection_session(provider, url, selection),
                element_ids_of=lambda made: upstream_element_ids(provider, made),
            )
            snapshot = provider.create_task(generation.kind, payload)
        except ProviderError as error:
            delay = error.retry_after_s or backoff_delay(generation.submit_attempts)
            if error.code in ("upstream_rate_limited", "upstream_concurrency_limit"):
                _start_cooldown(delay)  # every worker holds back, not just this one
            if error.upstream_code == 1201 and "external_task_id" in error.message.lower():
                # An earlier attempt reached the upstream even though we saw an error: adopt that task.
                _recover_submission(generation, provider)
                return
            if (error.upstream_code == 1201 and "element_id" in error.message.lower()
                    and generation.submit_attempts < settings.GENERATION_MAX_SUBMIT_ATTEMPTS
                    and _forget_upstream_elements(generation, provider)):
                # The upstream no longer knows an element it made for us (deleted there, or expired): make it again, once.
                actions.do_transition(generation, Status.QUEUED, expected=Status.SUBMITTING, stage=Stage.QUEUE,
                                      extra={"retry_after_error": "upstream_element_unknown"})
                continue
            if error.content_policy:
                actions.do_block_upstream(
                    generation, expected=Status.SUBMITTING, upstream_code=error.upstream_code, message=error.message
                )
                return
            if error.permanent or generation.submit_attempts >= settings.GENERATION_MAX_SUBMIT_ATTEMPTS:
                _fail(generation, error)
                return
            actions.do_transition(
                generation, Status.QUEUED, expected=Status.SUBMITTING, stage=Stage.QUEUE, extra={"retry_after_error": error.code}
            )
            sleep(delay)
            continue
        _mark_generating(generation, snapshot)
        return


def _recover_submission(generation, provider):
    """Find the upstream task by our external_task_id; if it does not exist, submit again."""
    try:
        snapshot = provider.get_task(generation.kind, str(generation.public_id))
    except ProviderError as error:
        if error.upstream_code == 1203 or error.http_status == 404:
            actions.do_transition(generation, Status.QUEUED, expected=Status.SUBMITTING, stage=Stage.QUEUE)
            _submit(generation, provider)
        elif error.permanent or generation.submit_attempts >= settings.GENERATION_MAX_SUBMIT_ATTEMPTS:
            _fail(generation, error)
        else:
            # Looking for the task counts as an attempt, so an upstream that never answers sanely is bounded.
            actions.do_count_submit_attempt(generation)
            sleep(error.retry_after_s or backoff_delay(generation.submit_attempts))
            actions.do_requeue_generation(generation)
        return
    _mark_generating(generation, snapshot)


def _mark_generating(generation, snapshot):
    actions.do_transition(
        generation,
        Status.GENERATING,
        expected=Status.SUBMITTING,
        stage=Stage.UPSTREAM,
        fields={
            "provider_task_id": snapshot.task_id,
            "provider_status": snapshot.status,
            "submitted_at": generation.submitted_at or timezone.now(),
        },
    )


def generation_deadline_s(generation) -> int:
    return settings.GENERATION_DEADLINE_BASE_S + settings.GENERATION_DEADLINE_PER_SECOND_S * generation.duration_seconds


def _poll(generation, provider):
    slice_ends = time.monotonic() + settings.GENERATION_POLL_SLICE_S
    interval = settings.GENERATION_POLL_INITIAL_S
    expected_render_s = generation.duration_seconds * settings.EXPECTED_RENDER_S_PER_SECOND
    while True:
        elapsed = (timezone.now() - generation.submitted_at).total_seconds()
        try:
            snapshot = provider.get_task(generation.kind, generation.provider_task_id)
        except ProviderError as error:
            if error.permanent:
                _fail(generation, error)
                return
            logger.warning("polling %s: %s", generation.public_id, error.code)
        else:
            if snapshot.status == SUCCEED:
                _finish(generation, provider, snapshot)
                return
            if snapshot.status == FAILED:
                if is_risk_control_failure(snapshot.status_message):
                    actions.do_block_upstream(
                        generation, expected=Status.GENERATING, upstream_code=None, message=snapshot.status_message
                    )
                else:
                    actions.do_fail_generation(
                        generation,
                        code="upstream_task_failed",
                        message=f"The video service could not render this clip: {snapshot.status_message or 'no reason given'}.",
                    )
                return
            still_ours = actions.do_record_progress(
                generation, progress=rendering_progress(elapsed, expected_render_s), provider_status=snapshot.status
            )
            if not still_ours:
                return
        if elapsed > generation_deadline_s(generation):
            actions.do_fail_generation(
                generation,
                code="upstream_deadline",
                message=f"The video service did not finish within {generation_deadline_s(generation) // 60} minutes.",
            )
            return
        if time.monotonic() >= slice_ends:
            actions.do_requeue_generation(generation)
            return
        sleep(interval)
        interval = min(interval * 1.5, settings.GENERATION_POLL_MAX_S)


def _finish(generation, provider, snapshot):
    """Download the result, verify it decodes, scan it, deliver it."""
    if generation.kind in IMAGE_KINDS:
        _finish_stills(generation, provider, snapshot)
        return
    if generation.kind == TEXT_TO_AUDIO:
        _finish_sound(generation, provider, snapshot)
        return
    if not snapshot.video_url:
        actions.do_fail_generation(generation, code="upstream_bad_response", message="The video service reported success without a video.")
        return
    if generation.status == Status.GENERATING:
        if not actions.do_record_progress(generation, progress=86, stage=Stage.DOWNLOAD, provider_status=snapshot.status):
            return
    with tempfile.NamedTemporaryFile(suffix=".mp4") as video_file:
        if not _downloaded(generation, provider, [(snapshot.video_url, video_file.name)]):
            return
        _to_output_scan(generation, snapshot)
        try:
            # One decode answers "does it fully decode", frame count, duration, poster and the scan's first pass.
            clip = scanning.inspect_and_scan(video_file.name, thresholds=_scan_thresholds(generation))
        except scanning.DetectorUnavailable:
            logger.error("operator attention: the frame detectors cannot load; generation %s waits", generation.public_id)
            actions.do_requeue_generation(generation)
            return
        except MediaError as error:  # output_corrupt / output_not_video, or a ScanError (one kind of MediaError)
            actions.do_fail_generation(generation, code=error.code, message=error.message)
            return
        verdict, hash_match, apparent_minor = _settle_output_verdict(generation, video_file.name, clip.verdict)
        evidence = poster_blurred = None
        if verdict.verdict != scanning.ALLOW and verdict.deciding_frames:
            evidence, poster_blurred = scanning.withheld_stills(video_file.name, verdict)
        elif verdict.verdict != scanning.ALLOW:
            # Held without a deciding frame (the coverage rule, an age check that could not run): a blurred poster.
            evidence, poster_blurred = [], scanning.blurred_poster(video_file.name)
        with tempfile.TemporaryDirectory(prefix="studio-mark-") as workdir:
            sound = None
            if generation.kind == VIDEO_TO_AUDIO and verdict.verdict != scanning.BLOCK:
                # The soundtrack alone (task_result.audios), checked and signed as text-to-audio's is.
                sound = _fetched_sound(generation, provider, snapshot, Path(workdir), clip.info.duration_s)
                if sound is None:
                    return
                sound = (sound.audio_bytes, sound.record["audio_s"])
            if verdict.verdict == scanning.BLOCK:
                marked = None  # never shown to anyone but reviewers, as blurred stills: nothing to prove
            else:
                try:
                    marked = _mark(generation, video_file.name, clip.poster, workdir)
                except ProvenanceUnavailable as error:
                    logger.error("operator attention: generation %s waits: %s", generation.public_id, error)
                    actions.do_requeue_generation(generation)
                    return
            with open(marked.video_path if marked else video_file.name, "rb") as delivered:
                actions.do_deliver_output(
                    generation,
                    video_file=delivered,
                    video_info=clip.info,
                    poster_bytes=marked.poster_bytes if marked else clip.poster,
                    verdict=verdict,
                    blame=blame_for(generation.screening_result),
                    evidence=evidence,
                    blurred_poster=poster_blurred,
                    provider_video_id=snapshot.video_id,
                    provenance=marked.record if marked else None,
                    hash_match=hash_match,
                    audio=sound,
                )
            if apparent_minor:
                # Blocked outputs open no item of their own: this one puts the apparent minor before a person first.
                review_queue.do_open_review_for_held(
                    generation, stage=Stage.OUTPUT, categories={"sexual_minors": 1.0}
                )


def _finish_stills(generation, provider, snapshot):
    """An image generation's result: download every still, check each decodes, scan each as a clip's frames are
    (the nudity scan, the hash banks, apparent minors), then deliver them all, or withhold them all when one is
    held or blocked (the moderator sees the withheld ones blurred)."""
    urls = snapshot.image_urls[: IMAGE_COUNT_RANGE[1]]
    if not urls:
        actions.do_fail_generation(generation, code="upstream_bad_response", message="The image service reported success without an image.")
        return
    if generation.status == Status.GENERATING:
        if not actions.do_record_progress(generation, progress=86, stage=Stage.DOWNLOAD, provider_status=snapshot.status):
            return
    with tempfile.TemporaryDirectory(prefix="studio-stills-") as workdir:
        paths = [Path(workdir) / f"result-{index}" for index in range(len(urls))]
        if not _downloaded(generation, provider, list(zip(urls, paths, strict=True))):
            return
        _to_output_scan(generation, snapshot)
        try:
            stills = [_read_still(path) for path in paths]
            verdicts = [scanning.scan_image(path, thresholds=_scan_thresholds(generation)) for path in paths]
        except scanning.DetectorUnavailable:
            logger.error("operator attention: the frame detectors cannot load; generation %s waits", generation.public_id)
            actions.do_requeue_generation(generation)
            return
        except MediaError as error:  # a still that does not decode, or a ScanError (one kind of MediaError)
            actions.do_fail_generation(generation, code="output_corrupt" if error.code.startswith("scan_") else error.code,
                                       message=error.message)
            return
        verdict = _still_verdict(verdicts)
        verdict, hash_match = _escalate_for_hash(verdict, _still_hash_match(generation, stills))
        verdict, apparent_minor = _apply_age_check(
            generation, verdict, lambda indices: {index: stills[index][1] for index in indices}
        )
        verdict = _apply_coverage_hold(generation, verdict)
        evidence = poster_blurred = None
        if verdict.verdict != scanning.ALLOW:
            evidence, poster_blurred = _withheld_stills(paths, verdicts)
        marked = None
        if verdict.verdict != scanning.BLOCK:  # a blocked result is only ever seen by reviewers, blurred
            try:
                marked = marking.mark_stills(
                    [data for data, _image in stills], workdir, generation_public_id=generation.public_id,
                    model_name=generation.model_name, created_at=generation.created_at, label=wants_label(generation),
                    ingredient_path=_ingredient(generation, Path(workdir)),
                )
            except ProvenanceUnavailable as error:
                logger.error("operator attention: generation %s waits: %s", generation.public_id, error)
                actions.do_requeue_generation(generation)
                return
        delivered = marked.images if marked else [data for data, _image in stills]
        actions.do_deliver_output(
            generation,
            images=[(data, image.width, image.height) for data, (_raw, image) in zip(delivered, stills, strict=True)],
            poster_bytes=marked.poster_bytes if marked else _poster_jpeg(stills[0][1]),
            verdict=verdict,
            blame=blame_for(generation.screening_result),
            evidence=evidence,
            blurred_poster=poster_blurred,
            provenance=marked.record if marked else None,
            hash_match=hash_match,
        )
        if apparent_minor:
            review_queue.do_open_review_for_held(generation, stage=Stage.OUTPUT, categories={"sexual_minors": 1.0})


def _downloaded(generation, provider, downloads):
    """Download each (url, path) of a finished task, each within MAX_OUTPUT_BYTES. False when one could not be
    fetched: the generation has then failed (a permanent error) or gone back to the queue."""
    for url, path in downloads:
        try:
            with open(path, "wb") as handle:
                provider.download(url, handle, max_bytes=settings.MAX_OUTPUT_BYTES)
        except ProviderError as error:
            if error.permanent:
                _fail(generation, error)
            else:
                actions.do_requeue_generation(generation)
            return False
    return True


def _to_output_scan(generation, snapshot):
    """The render is over: the generation moves to the output scan (once; a retried job finds it there)."""
    if generation.status == Status.GENERATING:
        actions.do_transition(
            generation,
            Status.SCANNING,
            stage=Stage.OUTPUT,
            fields={"render_finished_at": timezone.now(), "provider_status": snapshot.status},
        )


def _finish_sound(generation, provider, snapshot):
    """text-to-audio's result: an MP3 with no frames to scan. What is checked: it is an MP3 that decodes whole
    (inputs.audio.inspect_audio's limits) and lasts what was asked (±0.5 s); the prompt's review-band categories
    hold it for a person, as for any output no detector covers; it is signed with C2PA content credentials (the
    studio has no audio watermark) and its poster is its waveform. The audit's output_scanned record says all this."""
    if generation.status == Status.GENERATING:
        if not actions.do_record_progress(generation, progress=86, stage=Stage.DOWNLOAD, provider_status=snapshot.status):
            return
    with tempfile.TemporaryDirectory(prefix="studio-sound-") as workdir:
        seconds = float((generation.options or {}).get("seconds") or generation.duration_seconds)
        _to_output_scan(generation, snapshot)
        sound = _fetched_sound(generation, provider, snapshot, Path(workdir), seconds)
        if sound is None:
            return
        verdict = scanning.ScanVerdict(verdict=scanning.ALLOW, media="audio", duration_s=sound.record["audio_s"])
        verdict = _apply_coverage_hold(generation, verdict.with_check("audio", sound.record["check"]))
        actions.do_deliver_output(
            generation, audio=(sound.audio_bytes, sound.record["audio_s"]), poster_bytes=sound.poster_bytes, verdict=verdict,
            blame=blame_for(generation.screening_result), provenance=sound.record,
        )


def _fetched_sound(generation, provider, snapshot, workdir, expected_s):
    """Download the task's MP3, check it (an MP3 that decodes, within 0.5 s of `expected_s`), draw its waveform
    poster and sign both (marking.mark_sound). None when the generation was failed or requeued instead."""
    if not snapshot.audio_url:
        actions.do_fail_generation(generation, code="upstream_bad_response", message="The sound service reported success without audio.")
        return None
    path = workdir / "result.mp3"
    if not _downloaded(generation, provider, [(snapshot.audio_url, path)]):
        return None
    data = path.read_bytes()
    try:
        checked = audio_inputs.inspect_audio(data, field="the result audio")
    except GenerationError as error:
        actions.do_fail_generation(generation, code="output_corrupt", message=error.message)
        return None
    if checked.content_type != "audio/mpeg" or abs(checked.duration_s - expected_s) > 0.5:
        actions.do_fail_generation(
            generation, code="output_corrupt",
            message=f"The sound service sent {checked.extension} audio of {checked.duration_s:.1f} s; "
                    f"an MP3 of {expected_s:.1f} s was asked for.",
        )
        return None
    try:
        marked = marking.mark_sound(
            path, audio_inputs.waveform_jpeg(data), workdir, generation_public_id=generation.public_id,
            model_name=generation.model_name, created_at=generation.created_at, ingredient_path=_ingredient(generation, workdir),
        )
    except ProvenanceUnavailable as error:
        logger.error("operator attention: generation %s waits: %s", generation.public_id, error)
        actions.do_requeue_generation(generation)
        return None
    marked.record.update(audio_s=checked.duration_s, check={
        "decodes": True, "format": "mp3", "duration_s": checked.duration_s, "expected_s": expected_s,
        "frames": "none: audio has no picture to scan",
    })
    return marked


def _read_still(path):
    """(bytes, decoded RGB image) of a downloaded still; MediaError output_not_image when it is not a PNG or JPEG
    that decodes whole."""
    data = Path(path).read_bytes()
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise MediaError("output_not_image", "The image service sent a result that is not a PNG or JPEG image.")
    try:
        with Image.open(path) as image:
            if image.width * image.height > scanning.MAX_IMAGE_PIXELS:
                raise MediaError("output_corrupt", "The image service sent an image larger than 50 megapixels.")
            return data, image.convert("RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise MediaError("output_corrupt", f"An image the service sent does not decode ({type(error).__name__}).") from error


_RANK = {scanning.ALLOW: 0, scanning.REVIEW: 1, scanning.BLOCK: 2}


def _still_verdict(verdicts):
    """One verdict for all the stills: the worst of theirs, with every flagged category at its strongest, the
    sexual scores by still index (for the age check) and each still's own outcome under checks["images"]."""
    worst = max(verdicts, key=lambda verdict: _RANK[verdict.verdict])
    categories = {}
    for verdict in verdicts:
        for name, detail in verdict.categories.items():
            held = categories.get(name)
            if held is None or (_RANK.get(detail.get("level"), 0), detail.get("peak", 0.0)) > (
                _RANK.get(held.get("level"), 0), held.get("peak", 0.0)
            ):
                categories[name] = detail
    merged = dataclasses.replace(
        worst,
        categories=categories,
        frames_scored=len(verdicts),
        frames_total=len(verdicts),
        timeline=tuple((float(index), verdict.timeline[0][1] if verdict.timeline else 0.0) for index, verdict in enumerate(verdicts)),
        scan_s=sum(verdict.scan_s for verdict in verdicts),
        sexual_frames=tuple((index, 0.0, score) for index, verdict in enumerate(verdicts) for _i, _t, score in verdict.sexual_frames),
    )
    return merged.with_check("images", [
        {"index": index, "verdict": verdict.verdict, "categories": actions.flagged_categories(verdict)}
        for index, verdict in enumerate(verdicts)
    ])


def _still_hash_match(generation, stills):
    try:
        return hashbanks.match_output_images([(f"image_{index + 1}", data) for index, (data, _image) in enumerate(stills)],
                                             team_id=generation.team_id)
    except hashing.HashingError as error:
        logger.error("generation %s: its stills could not be hashed (%s)", generation.public_id, error)
        return None


def _withheld_stills(paths, verdicts):
    """Blurred evidence of every still that was not allowed (all of them when only a rule after the scan held
    them), and a blurred poster of the first such still."""
    chosen = [(path, verdict) for path, verdict in zip(paths, verdicts, strict=True) if verdict.verdict != scanning.ALLOW]
    chosen = chosen or list(zip(paths, verdicts, strict=True))
    evidence = []
    for path, verdict in chosen:
        if verdict.deciding_frames:
            evidence += scanning.withheld_stills(path, verdict)[0]
    return evidence, scanning.blurred_poster(chosen[0][0], chosen[0][1])


def _poster_jpeg(image):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _settle_output_verdict(generation, path, verdict):
    """The frame scan's verdict after the rules that follow it, in order: a hash bank match, the apparent-minor
    check, the hold for categories no detector covers. Returns (verdict, hash match or None, apparent minor?)."""
    verdict, hash_match = _apply_hash_match(generation, path, verdict)
    verdict, apparent_minor = _apply_age_check(
        generation, verdict, lambda indices: scanning.frame_stills(path, indices)
    )
    return _apply_coverage_hold(generation, verdict), hash_match, apparent_minor


def _apply_hash_match(generation, path, verdict):
    """Known violating content (a hash bank's clip, or a banked image in any frame) decides over the detectors:
    block → blocked, hold → held (never lowering a block); report lets the detectors' verdict stand."""
    try:
        hash_match = hashbanks.match_output_clip(path, team_id=generation.team_id)
    except hashing.HashingError as error:
        logger.error("generation %s: its output could not be hashed (%s)", generation.public_id, error)
        return verdict, None
    return _escalate_for_hash(verdict, hash_match)


def _escalate_for_hash(verdict, hash_match):
    if hash_match and hash_match["action"] in ("block", "hold"):
        level = scanning.BLOCK if hash_match["action"] == "block" else scanning.REVIEW
        if not (level == scanning.REVIEW and verdict.verdict == scanning.BLOCK):
            verdict = verdict.escalated(level, {hash_match["category"]: {
                "level": level, "score": 1.0, "peak": 1.0, "detector": f"hashbank:{hash_match['bank']}"}})
    return verdict, hash_match


def _apply_age_check(generation, verdict, stills_at):
    """Faces in the frames (or stills) that scored sexual at or above a low threshold are age-estimated: an
    apparent minor blocks (sexual_minors). An estimator that cannot run holds what it could not check.
    `stills_at(indices)` gives {index: RGB image} of those frames."""
    if not verdict.sexual_frames:
        return verdict, False
    stills = stills_at([index for index, _t, _s in verdict.sexual_frames])
    try:
        check = minors.check_output_frames(
            {index: (t, score, stills[index]) for index, t, score in verdict.sexual_frames if index in stills}
        )
    except minors.EstimatorUnavailable as error:
        logger.error("operator attention: generation %s: %s", generation.public_id, error)
        reason = f"Held for a person: frames scored sexual and the age check could not run ({error.reason})."
        verdict = verdict.with_check("apparent_minor", {"error": reason})
        if verdict.verdict == scanning.ALLOW:
            verdict = verdict.escalated(scanning.REVIEW, {"sexual_minors": {
                "level": scanning.REVIEW, "score": 0.0, "peak": 0.0, "detector": "age check unavailable", "reason": reason}})
        return verdict, False
    verdict = verdict.with_check("apparent_minor", check.as_record())
    if not check.applies:
        return verdict, False
    # peak 1.0: the category that names the block and the urgent review item, whatever the sexual score.
    return verdict.escalated(scanning.BLOCK, {"sexual_minors": {
        "level": scanning.BLOCK, "score": 1.0, "peak": 1.0, "detector": check.estimator, "reason": check.reason}}), True


def _apply_coverage_hold(generation, verdict):
    """A category the prompt scored in the review band that no frame detector covers: a person looks."""
    screening_result = generation.screening_result or {}
    uncovered = aggregate.uncovered_prompt_categories(
        screening_result.get("categories"), screening_result.get("thresholds"),
        coverage.covered_in_scan(verdict.thresholds, estimator_ok=coverage.estimator_ready()[0]
                                 and "error" not in verdict.checks.get("apparent_minor", {})),
    )
    level, reason = aggregate.coverage_hold(verdict.verdict, uncovered)
    if uncovered:
        verdict = verdict.with_check("uncovered", {"categories": uncovered, "reason": reason})
    if level != verdict.verdict:
        verdict = verdict.escalated(level, {
            category: {"level": scanning.REVIEW, "score": score, "peak": score,
                       "detector": "prompt screening (no frame detector)", "reason": reason}
            for category, score in uncovered.items()})
    return verdict


def wants_label(generation) -> bool:
    """The visible corner mark: the team's setting, or the caller asked (Kling's watermark_info)."""
    return bool(generation.team.label_outputs or (generation.options or {}).get("watermark"))


def _mark(generation, raw_path, poster, workdir):
    """Watermark, label and sign the clip; an edit (extend, lip-sync, remix, effects) names what it edited."""
    return marking.mark_output(
        raw_path,
        poster,
        workdir,
        generation_public_id=generation.public_id,
        model_name=generation.model_name or generation.kind,
        created_at=generation.created_at,
        label=wants_label(generation),
        ingredient_path=_ingredient(generation, Path(workdir)),
    )


def _ingredient(generation, workdir):
    """A local copy of what the output was made from, for the C2PA ingredient: the parent clip (extend,
    lip-sync, remix) or, for effects and an expanded image, the first input image. None for a clip made from scratch."""
    source = None
    if generation.parent_id:
        source = generation.parent.assets.filter(role=AssetRole.VIDEO).first()
    elif generation.kind in (EFFECTS, IMAGE_EXPAND):
        source = generation.assets.filter(role__in=_IMAGE_ORDER).order_by("pk").first()
    if source is None:
        return None
    suffix = {"video/mp4": ".mp4", "image/png": ".png"}.get(source.content_type, ".jpg")
    target = workdir / f"ingredient{suffix}"
    with source.file.open("rb") as handle, open(target, "wb") as copy:
        shutil.copyfileobj(handle, copy)
    return target


def blame_for(screening_result) -> str:
    """Who an unsafe output is on. A prompt that screening passed with low scores and that shows no sign of
    evasion: the model (`model_output`, no strike). One that was borderline, evasive or held: the user
    (`user_intent`, a strike)."""
    result = screening_result or {}
    top = max((result.get("categories") or {}).values(), default=0.0)
    evasive = any(view != "raw" for view in result.get("views_fired") or [])
    if result.get("decision", "allow") != "allow" or top >= settings.SCAN_BLAME_PROMPT_SCORE or evasive or result.get("escalation"):
        return "user_intent"
    return "model_output"


def _scan_thresholds(generation):
    """Stricter output thresholds for users in the penalty box."""
    level = Standing.objects.filter(user_id=generation.created_by_id).values_list("level", flat=True).first()
    return settings.SCAN_STRICT_THRESHOLDS if level == StandingLevel.RESTRICTED else None


def _fail(generation, error):
    actions.do_fail_generation(
        generation,
        code=error.code,
        message=error.message,
        extra={"upstream_code": error.upstream_code, "operator_alert": error.operator_alert},
    )
    if error.operator_alert:
        logger.error("operator attention: generation %s failed with %s (%s)", generation.public_id, error.code, error.message)
