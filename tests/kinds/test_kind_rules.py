"""The newer kinds' request rules, prices and likeness rules: pure, table-driven."""

import pytest

from generations.actions.generation import reanimation_kind
from generations.catalog import (
    EFFECTS,
    LIP_SYNC,
    MULTI_IMAGE2VIDEO,
    VIDEO_EXTEND,
    validate_generation_request,
)
from generations.errors import GenerationError
from generations.inputs.images import InputImage
from generations.moderation.visual.likeness import INTIMATE_EFFECT, OTHERS_FOOTAGE, likeness_decision
from generations.pricing import price_generation

IMAGE = InputImage(data=b"...", content_type="image/png", width=640, height=480)


def validate(**data):
    return validate_generation_request(data, default_model="kling-v2-6")


def refused(code, **data):
    with pytest.raises(GenerationError) as caught:
        validate(**data)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- multi-image2video -------------------------------------------------------------------------

def test_multi_image_takes_one_to_four_images_on_kling_v1_6():
    request = validate(kind=MULTI_IMAGE2VIDEO, prompt="three friends on a pier", images=[IMAGE, IMAGE, IMAGE])
    assert request.model_name == "kling-v1-6" and len(request.images) == 3 and request.aspect_ratio == "16:9"
    assert request.input_images == (IMAGE, IMAGE, IMAGE)


@pytest.mark.parametrize(
    "data, code",
    [
        ({"images": []}, "invalid_image_count"),
        ({"images": [IMAGE] * 5}, "invalid_image_count"),
        ({"images": [IMAGE], "model": "kling-v2-6"}, "model_not_capable"),
        ({"images": [IMAGE], "prompt": ""}, "prompt_required"),
        ({"images": [IMAGE], "duration": "7"}, "invalid_duration"),
        ({"images": [IMAGE], "aspect_ratio": "4:3"}, "invalid_aspect_ratio"),
        ({"images": [IMAGE], "image_tail": IMAGE}, "field_not_applicable"),
        ({"images": [IMAGE], "parent_id": "x"}, "field_not_applicable"),
    ],
)
def test_multi_image_refusals(data, code):
    refused(code, kind=MULTI_IMAGE2VIDEO, **{"prompt": "a walk", **data})


# --- video-extend ------------------------------------------------------------------------------

def test_extend_needs_a_parent_and_takes_an_optional_prompt():
    request = validate(kind=VIDEO_EXTEND, parent_id="3f1c…", prompt="the boat goes under a bridge")
    assert request.parent_id and request.duration == "5" and request.model_name == ""
    refused("parent_required", kind=VIDEO_EXTEND)
    refused("field_not_applicable", kind=VIDEO_EXTEND, parent_id="x", image=IMAGE)
    refused("invalid_cfg_scale", kind=VIDEO_EXTEND, parent_id="x", cfg_scale=2)


# --- lip-sync ----------------------------------------------------------------------------------

def test_lip_sync_with_text_fills_in_the_voice():
    request = validate(kind=LIP_SYNC, parent_id="x", text="Welcome to the tour")
    assert request.options == {"mode": "text2video", "text": "Welcome to the tour", "voice_id": "oversea_male1",
                               "voice_language": "en", "voice_speed": 1.0}
    assert request.screened_text == "Welcome to the tour" == request.prompt


@pytest.mark.parametrize(
    "data, code",
    [
        ({}, "text_required"),
        ({"text": "x" * 121}, "text_too_long"),
        ({"text": "hi", "voice_id": "nobody"}, "invalid_voice"),
        ({"text": "hi", "voice_language": "fr"}, "invalid_voice_language"),
        ({"text": "hi", "voice_speed": 3}, "invalid_voice_speed"),
        ({"text": "hi", "voice_speed": True}, "invalid_voice_speed"),
        ({"text": "hi", "audio": object()}, "options_conflict"),
        ({"text": "hi", "image": IMAGE}, "field_not_applicable"),
    ],
)
def test_lip_sync_refusals(data, code):
    refused(code, kind=LIP_SYNC, parent_id="x", **data)


def test_lip_sync_with_audio_is_audio2video():
    request = validate(kind=LIP_SYNC, parent_id="x", audio=object())
    assert request.options == {"mode": "audio2video"} and request.prompt == ""


# --- effects -----------------------------------------------------------------------------------

def test_single_image_effects_are_five_seconds_on_kling_v1_6():
    request = validate(kind=EFFECTS, effect_scene="squish", images=[IMAGE])
    assert (request.model_name, request.mode, request.duration) == ("kling-v1-6", "std", "5")
    assert request.options == {"effect_scene": "squish"}
    # A single `image` is accepted in place of a one-item list.
    assert validate(kind=EFFECTS, effect_scene="bloombloom", image=IMAGE).images == (IMAGE,)


def test_two_person_effects_take_exactly_two_images():
    request = validate(kind=EFFECTS, effect_scene="hug", images=[IMAGE, IMAGE], model="kling-v1-5", mode="pro", duration="10")
    assert (request.model_name, request.mode, request.duration) == ("kling-v1-5", "pro", "10")


@pytest.mark.parametrize(
    "data, code",
    [
        ({"effect_scene": "explode", "images": [IMAGE]}, "invalid_effect_scene"),
        ({"effect_scene": "squish", "images": [IMAGE, IMAGE]}, "invalid_image_count"),
        ({"effect_scene": "squish", "images": [IMAGE], "duration": "10"}, "invalid_duration"),
        ({"effect_scene": "kiss", "images": [IMAGE]}, "invalid_image_count"),
        ({"effect_scene": "kiss", "images": [IMAGE, IMAGE], "model": "kling-v2-6"}, "model_not_capable"),
        ({"effect_scene": "kiss", "images": [IMAGE, IMAGE], "text": "hi"}, "field_not_applicable"),
    ],
)
def test_effect_refusals(data, code):
    refused(code, kind=EFFECTS, **data)


def test_unknown_kind_is_refused_with_the_list():
    error = refused("invalid_kind", kind="video-effects/face-swap", prompt="x")
    assert "lip-sync" in error.message


# --- prices ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kind, model, mode, seconds, credits",
    [
        (VIDEO_EXTEND, "kling-v1-6", "std", "15", 10),  # pays for the 5 s it adds, not the whole clip
        (VIDEO_EXTEND, "kling-v1", "pro", "40", 35),
        (LIP_SYNC, "kling-v2-6", "pro", "5", 5),
        (LIP_SYNC, "kling-v1", "std", "10", 10),
        (LIP_SYNC, "kling-v1", "std", "3", 3),
        (EFFECTS, "kling-v1-6", "std", "5", 10),
        (MULTI_IMAGE2VIDEO, "kling-v1-6", "pro", "10", 70),
        ("text2video", "kling-v2-6", "std", "5", 15),
    ],
)
def test_prices_by_kind(kind, model, mode, seconds, credits):
    assert price_generation(kind, model, mode, seconds) == credits


# --- likeness ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "faces, reanimation, consent, decision",
    [
        ({"image": 0}, "", "", "allow"),
        ({"image": 1}, "", "", "allow"),  # a face alone is fine; screening judges what the prompt does with it
        ({"parent video": 1}, OTHERS_FOOTAGE, "", "review"),
        ({"parent video": 0}, OTHERS_FOOTAGE, "", "allow"),
        ({"images[0]": 1, "images[1]": 1}, INTIMATE_EFFECT, "", "review"),
        ({"images[0]": 1, "images[1]": 0}, INTIMATE_EFFECT, "", "review"),
        ({"images[0]": 1, "images[1]": 1}, INTIMATE_EFFECT, "c0ns3nt", "allow"),
    ],
)
def test_likeness_rules(faces, reanimation, consent, decision):
    check = likeness_decision(face_counts=faces, reanimation=reanimation, consent_id=consent)
    assert check.decision == decision
    assert (check.categories == {"deepfake": 0.6}) == (decision == "review")


def test_which_requests_reanimate_a_likeness():
    assert reanimation_kind(kind="lip-sync", parent_made_by_someone_else=True) == OTHERS_FOOTAGE
    assert reanimation_kind(kind="lip-sync", parent_made_by_someone_else=False) == ""
    assert reanimation_kind(kind="effects", effect_scene="kiss") == INTIMATE_EFFECT
    assert reanimation_kind(kind="effects", effect_scene="squish") == ""
    assert reanimation_kind(kind="image2video") == ""


def test_the_studio_and_its_simulator_agree_on_the_contract_constants():
    """The simulator is a separate service and keeps its own copy of the upstream's lists; they must match."""
    from generations import catalog
    from generations.simulator import validation

    assert catalog.VOICE_IDS == validation.VOICE_IDS
    assert set(catalog.EFFECT_SCENES) == set(validation.EFFECT_SCENES)
    assert catalog.EXTEND_SECONDS == validation.EXTEND_SECONDS
