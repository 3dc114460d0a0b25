"""The multi-elements kind (video→video editing, kling-v1-6) end to end: a selection session opened on a finished
clip of the team, points marked on its frames, then an addition, a swap or a removal. Validation in the catalog and
in the simulator, the Kling door's sessions (tenant-isolated, bounded, 24 h), the same screening as every kind (the
prompt and negative_prompt; each image through the hash banks, the nudity scan, faces and consent, apparent minors;
a swap of a pictured face is the footage_edit likeness case), per-5-seconds credits, a real RQ worker, the simulator
over loopback HTTP, both doors, both providers, and the contract the provider client speaks."""

import functools

import httpx
import numpy as np
import pytest
from django.utils import timezone

from generations.catalog import MULTI_ELEMENTS, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem, SelectionSession
from generations.presenters import coco_rle, selection_mask
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator.render import render_clip
from generations.simulator.selection import MultiElementsRequest, SelectionSessions
from generations.simulator.validation import ApiError
from generations.worker import pipeline
from generations.worker.housekeeping import run_housekeeping
from tests.conftest import bearer
from tests.helpers import assert_books_balance, constant_score_detector, drive_to_terminal
from tests.kinds.media import b64, image_bytes
from tests.kinds.support import (
    HARMFUL_WORDS,
    assert_never_sent_and_nothing_charged,
    content,
    create,
    face_b64,
    finished_clip,
    result_url,
    wait_task,
)

MARKS = [{"frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]}]


def validated(**fields):
    data = {"kind": MULTI_ELEMENTS, "parent_id": "gen-1", "edit_mode": "swap", "images": [b64(image_bytes())],
            "selection": MARKS, "prompt": "swap the ball from <<<video_1>>> for the kite from <<<image_1>>>", **fields}
    return validate_generation_request(load_media_inputs({k: v for k, v in data.items() if v is not None}), default_model="kling-v1")


def kling(client, key, action, body):
    path = "/kling/v1/videos/multi-elements" + (f"/{action}-selection" if action else "")
    return client.post(path, body, content_type="application/json", **bearer(key))


# --- validation: the catalog ------------------------------------------------------------------------

def test_valid_multi_elements_requests():
    swap = validated(negative_prompt="blurry", mode="pro")
    assert (swap.model_name, swap.mode, swap.duration, swap.parent_id, len(swap.images)) == ("kling-v1-6", "pro", "", "gen-1", 1)
    assert swap.options == {"edit_mode": "swap", "selection": [{"frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]}]}
    assert swap.negative_prompt == "blurry"
    assert swap.screened_text == "swap the ball from  video 1  for the kite from  image 1"  # read as words, as omni-video's
    addition = validated(edit_mode="addition", images=[b64(image_bytes()), b64(image_bytes(seed=2))], selection=None, duration="10")
    assert addition.options["selection"] == [] and addition.duration == "10" and len(addition.images) == 2
    removal = validated(edit_mode="removal", images=None, prompt="Delete the ball from <<<video_1>>>",
                        selection=[{"frame_index": 7, "points": [{"x": 1, "y": 0}]}, {"frame_index": 2, "points": [{"x": 0, "y": 1}]}])
    assert [mark["frame_index"] for mark in removal.options["selection"]] == [2, 7]  # in frame order


@pytest.mark.parametrize("fields, code, field, words", [
    ({"edit_mode": None}, "edit_mode_required", "edit_mode", "addition, swap or removal"),
    ({"edit_mode": "replace"}, "invalid_edit_mode", "edit_mode", "addition, swap or removal"),
    ({"images": None}, "invalid_image_count", "images", "exactly 1 image"),
    ({"images": [b64(image_bytes()), b64(image_bytes(seed=1))]}, "invalid_image_count", "images", "exactly 1 image"),
    ({"edit_mode": "removal"}, "invalid_image_count", "images", "no images"),
    ({"edit_mode": "addition", "images": [b64(image_bytes())] * 3}, "invalid_image_count", "images", "1 to 2 images"),
    ({"selection": None}, "selection_required", "selection", "mark it first"),
    ({"selection": [{"frame_index": 0, "points": [{"x": 1.5, "y": 0}]}]}, "invalid_selection", "selection", "between 0 and 1"),
    ({"selection": [{"frame_index": 0, "points": [{"x": 0.1, "y": 0.1}] * 11}]}, "invalid_selection", "selection", "1 to 10"),
    ({"selection": [{"frame_index": n, "points": [{"x": 0, "y": 0}]} for n in range(11)]}, "invalid_selection", "selection",
     "at most 10 frames"),
    ({"selection": [{"frame_index": -1, "points": [{"x": 0, "y": 0}]}]}, "invalid_selection", "selection", "frame_index"),
    ({"model": "kling-v2-6"}, "model_not_capable", "model", "does not edit clips"),
    ({"duration": "7"}, "invalid_duration", "duration", "5 or 10"),
    ({"prompt": None}, "prompt_required", "prompt", "required"),
    ({"prompt": "x" * 2501}, "prompt_too_long", "prompt", "2500"),
    ({"negative_prompt": "x" * 2501}, "negative_prompt_too_long", "negative_prompt", "2500"),
    ({"parent_id": None}, "parent_required", "parent_id", "which clip to edit"),
    ({"aspect_ratio": "16:9"}, "field_not_applicable", "aspect_ratio", "multi-elements"),
    ({"sound": "on"}, "sound_not_supported", "sound", "multi-elements"),
])
def test_the_catalog_refuses_bad_multi_elements_requests(fields, code, field, words):
    with pytest.raises(GenerationError) as caught:
        validated(**fields)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert words in caught.value.message


def test_multi_elements_is_priced_per_5_seconds_by_mode():
    assert price_generation(MULTI_ELEMENTS, "kling-v1-6", "std", "5") == 30
    assert price_generation(MULTI_ELEMENTS, "kling-v1-6", "pro", "10") == 100
    with pytest.raises(ValueError):
        price_generation(MULTI_ELEMENTS, "kling-v2-6", "std", "5")


def _rle_decode(text, size):
    """COCO's compressed RLE string back to a mask (pycocotools' rleFrString), to check the door's encoding."""
    counts, position = [], 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(text[position]) - 48
            value |= (chunk & 0x1F) << (5 * shift)
            more = chunk & 0x20
            position, shift = position + 1, shift + 1
            if not more and chunk & 0x10:
                value |= -1 << (5 * shift)
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    flat, bit = [], 0
    for run in counts:
        flat += [bit] * run
        bit = 1 - bit
    return np.array(flat, dtype=np.uint8).reshape(size[1], size[0]).T


def test_the_selection_mask_round_trips_through_coco_rle():
    mask = selection_mask(64, 36, [{"x": 0.0, "y": 0.0}, {"x": 0.7, "y": 0.4}])
    assert mask.shape == (36, 64) and mask[0, 0] == 1 and mask[14, 44] == 1 and mask[35, 20] == 0
    assert (_rle_decode(coco_rle(mask), (36, 64)) == mask).all()
    empty = np.zeros((4, 5), dtype=np.uint8)
    assert (_rle_decode(coco_rle(empty), (4, 5)) == empty).all()


# --- the simulator (the upstream's shapes, codes and wording) ---------------------------------------

@pytest.fixture(scope="module")
def short_clip():
    return render_clip("a ball on a table", duration=3, aspect_ratio="16:9", fps=12)


def _sessions(clip):
    sessions = SelectionSessions(read_video=lambda record: clip)
    opened = sessions.init({"video_url": "http://127.0.0.1:9/clip.mp4"}, lambda url, name, limit: clip, None)
    return sessions, opened


def test_the_simulator_opens_marks_and_clears_a_selection_session(short_clip):
    sessions, opened = _sessions(short_clip)
    assert opened["status"] == 0 and opened["session_id"].isdigit() and opened["total_frame"] == 36
    assert opened["original_duration"] == pytest.approx(3000, abs=100) and opened["fps"] == pytest.approx(12)
    added = sessions.add({"session_id": opened["session_id"], "frame_index": 3, "points": [{"x": 0.2, "y": 0.3}]})
    mask = added["res"]["rle_mask_list"][0]
    assert added["res"]["frame_index"] == 3 and mask["rle_mask"]["size"] == [opened["height"], opened["width"]]
    assert mask["rle_mask"]["counts"] and mask["png_mask"]["base64"]
    with pytest.raises(ApiError) as caught:
        sessions.delete({"session_id": opened["session_id"], "frame_index": 3, "points": [{"x": 0.9, "y": 0.3}]})
    assert (caught.value.code, caught.value.message) == (1201, "points must be exactly the points added to the frame")
    assert sessions.delete({"session_id": opened["session_id"], "frame_index": 3, "points": [{"x": 0.2, "y": 0.3}]})["res"]["rle_mask_list"] == []
    for index in range(10):
        sessions.add({"session_id": opened["session_id"], "frame_index": index, "points": [{"x": 0.5, "y": 0.5}]})
    with pytest.raises(ApiError) as too_many:
        sessions.add({"session_id": opened["session_id"], "frame_index": 11, "points": [{"x": 0.5, "y": 0.5}]})
    assert "at most 10 frames" in too_many.value.message
    with pytest.raises(ApiError) as past_end:
        sessions.add({"session_id": opened["session_id"], "frame_index": 36, "points": [{"x": 0.5, "y": 0.5}]})
    assert "frame_index must be an integer between 0 and 35" in past_end.value.message
    assert sessions.clear({"session_id": opened["session_id"]})["status"] == 0
    with pytest.raises(ApiError) as missing:
        sessions.preview({"session_id": "123"}, "http://x/")
    assert (missing.value.http_status, missing.value.code) == (404, 1203)


def test_a_simulator_session_lives_24_hours(short_clip):
    now = [1_000_000.0]
    sessions = SelectionSessions(read_video=lambda record: short_clip, clock=lambda: now[0])
    opened = sessions.init({"video_url": "http://127.0.0.1:9/clip.mp4"}, lambda url, name, limit: short_clip, None)
    now[0] += 24 * 3600 - 1
    assert sessions.clear({"session_id": opened["session_id"]})["status"] == 0
    now[0] += 2
    with pytest.raises(ApiError) as expired:
        sessions.clear({"session_id": opened["session_id"]})
    assert expired.value.code == 1203


@pytest.mark.parametrize("change, code, message", [
    ({"edit_mode": None}, 1201, "edit_mode is required"),
    ({"edit_mode": "replace"}, 1201, "edit_mode must be one of: addition, swap, removal"),
    ({"prompt": None}, 1201, "prompt is required"),
    ({"image_list": []}, 1201, "edit_mode swap takes 1 images in image_list"),
    ({"edit_mode": "removal"}, 1201, "edit_mode removal takes no image_list"),
    ({"model_name": "kling-v2-6"}, 1201, "model_name must be one of: kling-v1-6"),
    ({"duration": "10"}, 1201, "duration 10 needs a clip of 7-10.5s"),
    ({"session_id": "999"}, 1203, "Requested resource does not exist"),
    ({"aspect_ratio": "16:9"}, 1201, "aspect_ratio is not supported by multi-elements"),
    ({"prompt": "nsfw swap"}, 1301, "Trigger the content security"),
    ({"negative_prompt": "naked"}, 1301, "Trigger the content security"),
])
def test_the_simulator_refuses_bad_multi_elements_tasks_as_upstream(short_clip, change, code, message):
    sessions, opened = _sessions(short_clip)
    sessions.add({"session_id": opened["session_id"], "frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]})
    body = {"session_id": opened["session_id"], "edit_mode": "swap", "image_list": [{"image": b64(image_bytes())}],
            "prompt": "swap the ball", "mode": "std", "duration": "5", **change}
    with pytest.raises(ApiError) as caught:
        sessions.validate_create({k: v for k, v in body.items() if v is not None}, None)
    assert caught.value.code == code and message in caught.value.message, caught.value.message


def test_the_simulator_needs_marks_to_swap_and_renders_deterministically(short_clip):
    from generations.simulator.render_videos import render_multi_elements

    sessions, opened = _sessions(short_clip)
    body = {"session_id": opened["session_id"], "edit_mode": "swap", "image_list": [{"image": b64(image_bytes())}], "prompt": "swap it"}
    with pytest.raises(ApiError) as unmarked:
        sessions.validate_create(body, None)
    assert "needs a selection" in unmarked.value.message
    sessions.add({"session_id": opened["session_id"], "frame_index": 5, "points": [{"x": 0.5, "y": 0.5}]})
    accepted = sessions.validate_create(body, None)
    assert isinstance(accepted, MultiElementsRequest) and accepted.duration_s == 5.0 and accepted.selection[0]["frame_index"] == 5
    first = render_multi_elements(accepted.video, accepted.images, prompt="swap it", edit_mode="swap", selection=accepted.selection, duration=1)
    again = render_multi_elements(accepted.video, accepted.images, prompt="swap it", edit_mode="swap", selection=accepted.selection, duration=1)
    assert first == again and first[4:8] == b"ftyp"


# --- end to end: the native API ---------------------------------------------------------------------

_finished_clip = functools.partial(finished_clip, prompt="a red ball rolls across a wooden table")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_swaps_an_element_of_a_clip_of_the_team(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    response = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="swap",
                      images=[b64(image_bytes(seed=4))], selection=MARKS, negative_prompt="blurry", mode="pro",
                      prompt="swap the ball from <<<video_1>>> for the kite from <<<image_1>>>")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "multi-elements" and body["model"] == "kling-v1-6" and body["duration"] == "5"
    made = drive_to_terminal(body["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.parent_id == clip.pk and made.price_credits == 50 and made.credit_state == "captured"
    assert made.asset(AssetRole.INPUT_IMAGE) is not None and made.negative_prompt == "blurry"
    assert made.asset(AssetRole.VIDEO).duration_s == pytest.approx(5.0, abs=0.3)
    assert made.screening_result["input_scan"]["verdict"] == "allow"  # the image and the clip were scanned
    assert made.options == {"edit_mode": "swap", "selection": MARKS}
    # A frame past the clip's end, a duration the clip does not give, another team's clip: refused, nothing made.
    late = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="removal", prompt="Delete the ball",
                  selection=[{"frame_index": 100000, "points": [{"x": 0.5, "y": 0.5}]}])
    assert late.status_code == 422 and late.json()["error"]["code"] == "invalid_selection", late.content
    longer = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="removal", prompt="Delete the ball",
                    selection=MARKS, duration="10")
    assert longer.status_code == 422 and longer.json()["error"]["code"] == "invalid_duration", longer.content
    missing = create(client, alice_key, kind=MULTI_ELEMENTS, edit_mode="removal", prompt="Delete the ball", selection=MARKS,
                     parent_id="8d7a3f1c-1111-4222-8333-944455556666")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "parent_not_found", missing.content
    assert Generation.objects.filter(kind=MULTI_ELEMENTS).count() == 1
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_harmful_prompt_or_negative_prompt_is_1301_with_nothing_charged(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    native = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="removal", selection=MARKS,
                    prompt=HARMFUL_WORDS)
    assert native.status_code == 422 and native.json()["error"]["code"] == "policy_violation", native.content
    session = kling(client, alice_key, "init", {"video_url": result_url(client, alice_key, clip)}).json()["data"]["session_id"]
    kling(client, alice_key, "add", {"session_id": session, "frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]})
    # A negative prompt is read as the studio reads every negative prompt: asking to avoid the clothes is asking for nudity.
    door = kling(client, alice_key, None, {"session_id": session, "edit_mode": "removal",
                                           "prompt": "a woman standing on a beach at sunset in <<<video_1>>>, full body shot",
                                           "negative_prompt": "clothing, swimsuit, bikini, censorship, blur"})
    assert door.status_code == 400 and door.json()["code"] == 1301 and "data" not in door.json(), door.content
    blocked = Generation.objects.filter(kind=MULTI_ELEMENTS)
    assert blocked.count() == 2 and all(g.status == "blocked" and g.credit_state == "none" for g in blocked)
    assert_never_sent_and_nothing_charged(blocked, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_image_that_fails_the_input_scan_or_a_hash_bank_is_refused_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch, tmp_path
):
    from generations.actions import hashbanks
    from generations.moderation.visual import scanning

    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        scanned = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="addition",
                         images=[b64(image_bytes())], prompt="add the kite from <<<image_1>>>")
    assert scanned.status_code == 422 and scanned.json()["error"]["stage"] == "input", scanned.content
    banned = image_bytes(seed=9)
    bank = hashbanks.do_create_bank(name="known", category="sexual_minors", action="block")
    path = tmp_path / "banned.png"
    path.write_bytes(banned)
    hashbanks.do_add_media(bank, path=path, note="test entry")
    # The second image of an addition is screened as the first is.
    banked = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="addition",
                    images=[b64(image_bytes(seed=1)), b64(banned)], prompt="add both from <<<image_1>>> and <<<image_2>>>")
    assert banked.status_code == 422, banked.content
    refused = Generation.objects.filter(kind=MULTI_ELEMENTS).order_by("created_at")
    assert [(g.status, g.error_code) for g in refused] == [("blocked", "input_blocked"), ("blocked", "hash_match")]
    assert refused[1].screening_result["hash_match"]["role"] == "input_image_2"
    assert_never_sent_and_nothing_charged(refused, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swapping_a_pictured_face_into_a_clip_waits_for_a_moderator_unless_consent_is_recorded(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    from generations.actions import consent

    clip = _finished_clip(client, alice_key)
    body = {"kind": MULTI_ELEMENTS, "parent_id": str(clip.public_id), "edit_mode": "swap", "images": [face_b64()],
            "selection": MARKS, "prompt": "swap the ball from <<<video_1>>> for the person from <<<image_1>>>"}
    held = create(client, alice_key, **body)
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    generation = Generation.objects.get(public_id=held.json()["id"])
    assert generation.screening_result["likeness"]["reanimation"] == "footage_edit"
    assert "images[0]" in generation.screening_result["likeness"]["inputs_with_faces"]
    assert ReviewItem.objects.get(generation=generation).categories == {"deepfake": 0.6}
    # A removal puts no one into the clip: the same face-free clip is edited at once.
    removal = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="removal", selection=MARKS,
                     prompt="Delete the ball from <<<video_1>>>")
    assert removal.status_code == 202 and removal.json()["status"] == "queued", removal.content
    record = consent.do_record_consent(team=team, user=alice, subject_name="Grace Hopper",
                                       statement="Signed likeness release for edited clips, 2026-12-01")
    allowed = create(client, alice_key, **body, consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    assert drive_to_terminal(allowed.json()["id"]).status == "succeeded"
    assert drive_to_terminal(removal.json()["id"]).status == "succeeded"


def test_the_likeness_rules_treat_a_swapped_or_added_face_and_another_members_clip_as_footage_edits():
    from generations.actions.generation import reanimation_kind
    from generations.moderation.visual import likeness

    assert reanimation_kind(kind=MULTI_ELEMENTS, edits_footage=True, pictured_faces=True) == likeness.FOOTAGE_EDIT
    assert reanimation_kind(kind=MULTI_ELEMENTS, edits_footage=True, pictured_faces=False) == ""
    assert reanimation_kind(kind=MULTI_ELEMENTS, parent_made_by_someone_else=True) == likeness.FOOTAGE_EDIT
    assert reanimation_kind(kind=MULTI_ELEMENTS, edits_footage=False, pictured_faces=True) == ""  # a removal adds no one


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_apparent_minor_swapped_into_a_clip_is_refused_even_with_consent(
    client, use_simulator, redis_conn, team, alice, alice_key, faces_read_as_children
):
    from generations.actions import consent

    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    record = consent.do_record_consent(team=team, user=alice, subject_name="A child", statement="A parent signed")
    response = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="swap", images=[face_b64()],
                      selection=MARKS, prompt="swap the ball for the child", consent_id=str(record.public_id))
    assert response.status_code == 422, response.content
    generation = Generation.objects.get(kind=MULTI_ELEMENTS)
    assert (generation.status, generation.error_code, generation.credit_state) == ("blocked", "apparent_minor", "none")
    assert "edited footage" in generation.screening_result["input_scan"]["apparent_minor"]["reason"]
    assert_never_sent_and_nothing_charged(Generation.objects.filter(kind=MULTI_ELEMENTS), team, before)


# --- end to end: the Kling door ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_sessions_then_a_task_queried_and_listed(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    opened = kling(client, alice_key, "init", {"video_url": result_url(client, alice_key, clip)})
    assert opened.status_code == 200 and opened.json()["code"] == 0, opened.content
    info = opened.json()["data"]
    assert info["status"] == 0 and info["total_frame"] > 100 and info["original_duration"] == pytest.approx(5000, abs=300)
    assert info["width"] and info["height"] and info["fps"] > 0 and "/kling/v1/files/" in info["normalized_video"]
    session = info["session_id"]
    added = kling(client, alice_key, "add", {"session_id": session, "frame_index": 2, "points": [{"x": 0.5, "y": 0.5}, {"x": 0.1, "y": 0.9}]})
    assert added.status_code == 200, added.content
    masks = added.json()["data"]["res"]["rle_mask_list"]
    assert added.json()["data"]["res"]["frame_index"] == 2 and len(masks) == 1
    decoded = _rle_decode(masks[0]["rle_mask"]["counts"], masks[0]["rle_mask"]["size"])
    assert decoded[round(0.5 * (info["height"] - 1)), round(0.5 * (info["width"] - 1))] == 1 and decoded[0, 0] == 0
    kling(client, alice_key, "add", {"session_id": session, "frame_index": 40, "points": [{"x": 0.3, "y": 0.3}]})
    deleted = kling(client, alice_key, "delete", {"session_id": session, "frame_index": 2, "points": [{"x": 0.1, "y": 0.9}]})
    assert deleted.status_code == 200, deleted.content
    preview = kling(client, alice_key, "preview", {"session_id": session}).json()["data"]
    assert preview["res"]["video"] and preview["res"]["selection"] == [
        {"frame_index": 2, "points": [{"x": 0.5, "y": 0.5}]}, {"frame_index": 40, "points": [{"x": 0.3, "y": 0.3}]}]

    created = kling(client, alice_key, None, {
        "model_name": "kling-v1-6", "session_id": session, "edit_mode": "swap", "image_list": [{"image": b64(image_bytes(seed=3))}],
        "prompt": "swap the ball from <<<video_1>>> for the kite from <<<image_1>>>", "negative_prompt": "blur", "mode": "std",
        "duration": "5", "external_task_id": "edit-1",
    })
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted" and data["task_info"]["external_task_id"] == "edit-1"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == MULTI_ELEMENTS and generation.parent_id == clip.pk
    assert generation.price_credits == 30 and generation.options["selection"] == preview["res"]["selection"]
    for ident in (data["task_id"], "edit-1"):
        queried = client.get(f"/kling/v1/videos/multi-elements/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        video = queried["data"]["task_result"]["videos"][0]
        assert float(video["duration"]) == pytest.approx(5.0, abs=0.3) and video["session_id"] == session
    listed = client.get("/kling/v1/videos/multi-elements?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [data["task_id"]]
    cleared = kling(client, alice_key, "clear", {"session_id": session})
    assert cleared.status_code == 200 and SelectionSession.objects.get(public_id=session).selection == []


@pytest.mark.django_db
def test_a_session_is_another_teams_404_1203_and_expires_after_24_hours(client, team, alice, alice_key, charlie_key):
    clip = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a ball", model_name="kling-v1-6",
                                     duration="5", status="succeeded")
    session = SelectionSession.objects.create(team=team, clip=clip, fps=24, total_frames=120, width=640, height=360,
                                              duration_ms=5000, selection=MARKS,
                                              expires_at=timezone.now() + timezone.timedelta(hours=24))
    sid = str(session.public_id)
    for action, body in (("add", {"frame_index": 0, "points": [{"x": 0.2, "y": 0.2}]}), ("delete", {"frame_index": 0, "points": MARKS[0]["points"]}),
                         ("clear", {}), ("preview", {})):
        theirs = kling(client, charlie_key, action, {"session_id": sid, **body})
        assert theirs.status_code == 404 and theirs.json()["code"] == 1203, (action, theirs.content)
    stolen = kling(client, charlie_key, None, {"session_id": sid, "edit_mode": "removal", "prompt": "Delete the ball"})
    assert stolen.status_code == 404 and stolen.json()["code"] == 1203, stolen.content
    session.refresh_from_db()
    assert session.selection == MARKS  # untouched by the other team
    assert kling(client, alice_key, "preview", {"session_id": sid}).json()["code"] == 0
    SelectionSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    expired = kling(client, alice_key, "preview", {"session_id": sid})
    assert expired.status_code == 404 and expired.json()["code"] == 1203
    # Housekeeping deletes it then; live sessions stay.
    live = SelectionSession.objects.create(team=team, clip=clip, fps=24, total_frames=120, width=640, height=360, duration_ms=5000,
                                           expires_at=timezone.now() + timezone.timedelta(hours=1))
    assert run_housekeeping().selection_sessions_removed == 1
    assert list(SelectionSession.objects.all()) == [live]
    assert not Generation.objects.filter(kind=MULTI_ELEMENTS).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action, body, message", [
    ("add", {"frame_index": 120, "points": [{"x": 0.5, "y": 0.5}]}, "frame_index must be between 0 and 119"),
    ("add", {"frame_index": 0, "points": [{"x": 0.5, "y": 2}]}, "between 0 and 1"),
    ("add", {"frame_index": 1, "points": [{"x": n / 20, "y": 0.5} for n in range(10)]}, "at most 10 points a frame"),
    ("add", {"frame_index": 1, "points": []}, "1 to 10 points"),
    ("delete", {"frame_index": 0, "points": [{"x": 0.9, "y": 0.9}]}, "points must be ones added to frame 0"),
    ("add", {"session_id": None, "frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]}, "session_id is required"),
    (None, {"edit_mode": "swap", "prompt": "swap it"}, "exactly 1 image"),
    (None, {"edit_mode": "removal", "prompt": "Delete it", "image_list": [{"image": b64(image_bytes())}]}, "no images"),
    (None, {"edit_mode": "erase", "prompt": "Delete it"}, "addition, swap or removal"),
    (None, {"edit_mode": "removal", "prompt": "Delete it", "model_name": "kling-v2-6"}, "does not edit clips"),
    (None, {"edit_mode": "removal", "prompt": "x" * 2501}, "2500"),
    (None, {"edit_mode": "removal"}, "prompt is required"),
])
def test_kling_door_refuses_bad_selections_and_edits_with_1201(client, redis_conn, team, alice, alice_key, action, body, message):
    clip = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a ball", model_name="kling-v1-6",
                                     duration="5", status="succeeded")
    session = SelectionSession.objects.create(team=team, clip=clip, fps=24, total_frames=120, width=640, height=360,
                                              duration_ms=5000, selection=MARKS,
                                              expires_at=timezone.now() + timezone.timedelta(hours=24))
    full = {"session_id": str(session.public_id), **body}
    if action == "add" and body["frame_index"] == 1 and len(body["points"]) == 10:
        kling(client, alice_key, "add", {"session_id": str(session.public_id), "frame_index": 1, "points": [{"x": 0.99, "y": 0.99}]})
    response = kling(client, alice_key, action, {name: value for name, value in full.items() if value is not None})
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.filter(kind=MULTI_ELEMENTS).exists()


@pytest.mark.django_db
def test_remixing_an_edit_opens_the_edit_page_with_the_same_clip_and_marks(team, alice):
    from generations.web.generations import remix_url

    clip = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a ball", model_name="kling-v1-6",
                                     duration="5", status="succeeded")
    edit = Generation.objects.create(team=team, created_by=alice, kind=MULTI_ELEMENTS, prompt="Delete the ball", parent=clip,
                                     model_name="kling-v1-6", mode="pro", duration="5", aspect_ratio="", status="succeeded",
                                     options={"edit_mode": "removal", "selection": [
                                         {"frame_index": 4, "points": [{"x": 0.5, "y": 0.25}, {"x": 0.1, "y": 1.0}]}]})
    url = remix_url(edit)
    assert url.startswith("/generations/new/edit/?") and f"parent_id={clip.public_id}" in url
    assert "edit_mode=removal" in url and "frame=4" in url and "points=0.5%2C0.25%3B+0.1%2C1" in url and "mode=pro" in url


@pytest.mark.django_db
def test_kling_door_opens_sessions_only_on_clips_it_gave_out(client, team, alice, alice_key, charlie_key):
    clip = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a ball", model_name="kling-v1-6",
                                     duration="5", status="succeeded")
    video = clip.assets.create(role=AssetRole.VIDEO, file=content("clip.mp4", b"not read"), content_type="video/mp4", size_bytes=8,
                               sha256="x", duration_s=5.0)
    for body, message in (({"video_url": "https://example.com/ball.mp4"}, "other URLs are not fetched"),
                          ({}, "exactly one of video_id and video_url"),
                          ({"video_id": str(video.public_id), "video_url": "https://example.com/x.mp4"}, "exactly one")):
        refused = kling(client, alice_key, "init", body)
        assert refused.status_code == 400 and refused.json()["code"] == 1201 and message in refused.json()["message"], refused.content
    # Another team's clip is not theirs to open, by id or by its result link.
    theirs = kling(client, charlie_key, "init", {"video_url": f"https://studio.test/kling/v1/files/{video.public_id}"})
    assert theirs.status_code == 400 and "does not exist" in theirs.json()["message"], theirs.content
    assert not SelectionSession.objects.exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_open_the_session_upstream_and_submit_the_edit(client, alice_key, provider):
    clip = _finished_clip(client, alice_key)
    response = create(client, alice_key, kind=MULTI_ELEMENTS, parent_id=str(clip.public_id), edit_mode="removal", mode="pro",
                      selection=[{"frame_index": 3, "points": [{"x": 0.4, "y": 0.6}]}], prompt="Delete the ball from <<<video_1>>>")
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.provider_task_id and generation.provider_video_id


@pytest.mark.e2e
@pytest.mark.django_db
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice):
    """The request shapes (the selection calls of pipeline.open_selection_session, pipeline.upstream_payload)
    against the simulator through the provider client, and the response shapes it reads back; 1301, 1201, 1203."""
    made = upstream.create_task("text2video", {"model_name": "kling-v1-6", "prompt": "a ball", "duration": "5"})
    source = wait_task(upstream, "text2video", made.task_id)
    assert source.status == "succeed"
    parent = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a ball", model_name="kling-v1-6",
                                       duration="5", status="succeeded", provider_task_id=made.task_id,
                                       provider_video_id=source.video_id)
    submitted = validated(parent_id=str(parent.public_id), negative_prompt="blur")
    generation = Generation.objects.create(team=team, created_by=alice, kind=MULTI_ELEMENTS, prompt=submitted.prompt, parent=parent,
                                           negative_prompt=submitted.negative_prompt, model_name=submitted.model_name,
                                           mode=submitted.mode, duration="5", aspect_ratio="", options=submitted.options)
    generation.assets.create(role=AssetRole.INPUT_IMAGE, file=content("in.png", submitted.images[0].data),
                             content_type="image/png", size_bytes=len(submitted.images[0].data), sha256="x")
    opened = []

    def open_session(url, selection):
        opened.append((url, selection))
        return pipeline.open_selection_session(upstream, url, selection)

    payload = pipeline.upstream_payload(generation, video_url_of=lambda clip: pipeline.upstream_video_url(upstream, clip),
                                        open_session=open_session)
    assert set(payload) == {"model_name", "session_id", "edit_mode", "image_list", "prompt", "negative_prompt", "mode", "duration",
                            "external_task_id"}
    assert opened == [(source.video_url, MARKS)] and payload["session_id"].isdigit()
    assert payload["image_list"] == [{"image": payload["image_list"][0]["image"]}]
    assert not payload["image_list"][0]["image"].startswith("data:")
    assert (payload["edit_mode"], payload["duration"], payload["mode"]) == ("swap", "5", "std")
    preview = upstream.selection("preview", {"session_id": payload["session_id"]})
    shown = httpx.get(preview["res"]["video"])  # a public link, like a result's
    assert shown.status_code == 200 and shown.content == httpx.get(source.video_url).content
    for action in ("delete", "add"):  # the marks as the session holds them: delete then add back, same points
        assert upstream.selection(action, {"session_id": payload["session_id"], **MARKS[0]})["res"]["frame_index"] == 0

    created = upstream.create_task(MULTI_ELEMENTS, payload)
    assert created.status == "submitted" and created.task_id.isdigit()
    task = wait_task(upstream, MULTI_ELEMENTS, created.task_id)
    assert task.status == "succeed" and task.video_url and task.video_duration_s == pytest.approx(5.0, abs=0.3)
    assert upstream.get_task(MULTI_ELEMENTS, str(generation.public_id)).task_id == created.task_id
    assert [listed.task_id for listed in upstream.list_tasks(MULTI_ELEMENTS)] == [created.task_id]

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(MULTI_ELEMENTS, {**payload, "prompt": "nsfw swap", "external_task_id": "other"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(MULTI_ELEMENTS, {**payload, "edit_mode": "removal", "external_task_id": "third"})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)
    with pytest.raises(ProviderError) as missing:
        upstream.selection("add", {"session_id": "1", "frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]})
    assert missing.value.upstream_code == 1203
