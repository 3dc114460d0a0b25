"""The motion-control kind (kling-v2-6, kling-v3) end to end: the character in one image performs the motion
of a finished clip of the team. Validation in the catalog and in the simulator, the same pipeline as every
kind (the prompt screened; the character image and the motion clip through the hash banks, the nudity scan,
faces and consent, apparent minors), per-second credits, a real RQ worker, the simulator over loopback HTTP,
both doors, both providers, and the contract the provider client speaks."""

import functools

import pytest

from generations.catalog import MOTION_CONTROL, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator.validation import ApiError, MotionRequest, validate_create
from generations.worker import pipeline
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


def kling_post(client, key, body):
    return client.post("/kling/v1/videos/motion-control", body, content_type="application/json", **bearer(key))


def validated(**fields):
    data = {"kind": MOTION_CONTROL, "image": b64(image_bytes()), "parent_id": "gen-1", "character_orientation": "image", **fields}
    return validate_generation_request(load_media_inputs({k: v for k, v in data.items() if v is not None}), default_model="kling-v1-6")


# --- validation: the catalog ------------------------------------------------------------------------

def test_valid_motion_requests():
    plain = validated()
    assert (plain.model_name, plain.mode, plain.duration, plain.aspect_ratio, plain.parent_id) == ("kling-v2-6", "std", "", "", "gen-1")
    assert plain.options == {"character_orientation": "image", "keep_original_sound": "yes"}
    assert plain.image is not None and plain.prompt == ""
    full = validated(model="kling-v3", mode="pro", character_orientation="video", keep_original_sound="no", prompt="on a beach")
    assert full.model_name == "kling-v3" and full.mode == "pro" and full.prompt == "on a beach"
    assert full.options == {"character_orientation": "video", "keep_original_sound": "no"}
    assert full.screened_text == "on a beach"


@pytest.mark.parametrize("fields, code, field, words", [
    ({"image": None}, "image_required", "image", "character's image"),
    ({"parent_id": None}, "parent_required", "parent_id", "gives the motion"),
    ({"character_orientation": None}, "orientation_required", "character_orientation", "image"),
    ({"character_orientation": "left"}, "invalid_character_orientation", "character_orientation", "image or video"),
    ({"keep_original_sound": "maybe"}, "invalid_keep_original_sound", "keep_original_sound", "yes or no"),
    ({"model": "kling-v1-6"}, "model_not_capable", "model", "motion control"),
    ({"mode": "4k"}, "invalid_mode", "mode", "std or pro"),
    ({"duration": "5"}, "field_not_applicable", "duration", "motion-control"),
    ({"aspect_ratio": "16:9"}, "field_not_applicable", "aspect_ratio", "motion-control"),
    ({"negative_prompt": "blur"}, "field_not_applicable", "negative_prompt", "motion-control"),
    ({"sound": "on"}, "sound_not_supported", "sound", "motion-control"),
    ({"prompt": "x" * 2501}, "prompt_too_long", "prompt", "2500"),
])
def test_the_catalog_refuses_bad_motion_requests(fields, code, field, words):
    with pytest.raises(GenerationError) as caught:
        validated(**fields)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert words in caught.value.message


def test_motion_control_is_priced_per_second_of_its_clip_by_mode():
    assert price_generation(MOTION_CONTROL, "kling-v2-6", "std", "5") == 20
    assert price_generation(MOTION_CONTROL, "kling-v3", "pro", "10") == 60
    assert price_generation(MOTION_CONTROL, "kling-v2-6", "std", "7") == 28
    with pytest.raises(ValueError):
        price_generation(MOTION_CONTROL, "kling-v1-6", "std", "5")


# --- validation: the simulator (the upstream's codes and wording) -----------------------------------

SIM_IMAGE = b64(image_bytes())
SIM_BODY = {"image_url": SIM_IMAGE, "video_url": "http://127.0.0.1:9/clip.mp4", "character_orientation": "image", "mode": "std"}


@pytest.mark.parametrize("change, code, message", [
    ({"image_url": None}, 1201, "image_url is required"),
    ({"video_url": None}, 1201, "video_url is required"),
    ({"character_orientation": None}, 1201, "character_orientation is required"),
    ({"character_orientation": "left"}, 1201, "character_orientation must be one of: image, video"),
    ({"mode": None}, 1201, "mode is required"),
    ({"keep_original_sound": "maybe"}, 1201, "keep_original_sound must be one of: yes, no"),
    ({"model_name": "kling-v1"}, 1201, "model_name must be one of: kling-v2-6"),
    ({"duration": "5"}, 1201, "duration is not supported by motion-control"),
    ({"video_url": "ftp://a/b.mp4"}, 1201, "video_url must be an http(s) URL"),
    ({"prompt": "nsfw dance"}, 1301, "Trigger the content security"),
])
def test_the_simulator_refuses_bad_motion_requests_as_upstream(change, code, message):
    body = {name: value for name, value in {**SIM_BODY, **change}.items() if value is not None}
    with pytest.raises(ApiError) as caught:
        validate_create(MOTION_CONTROL, body, fetch=_no_fetch)
    assert caught.value.code == code and caught.value.message.startswith(message), caught.value.message


def test_the_simulator_accepts_a_motion_request_and_its_clip_sets_the_length():
    from generations.simulator.render import render_clip

    clip = render_clip("a dancer", duration=3, aspect_ratio="1:1", fps=12)
    accepted = validate_create(MOTION_CONTROL, {**SIM_BODY, "prompt": "on a stage", "external_task_id": "mine"},
                               fetch=lambda url, name, limit: clip)
    assert isinstance(accepted, MotionRequest) and accepted.duration_s == pytest.approx(3.0, abs=0.1)
    assert (accepted.model_name, accepted.mode, accepted.keep_original_sound) == ("kling-v2-6", "std", "yes")
    long_clip = render_clip("a long dance", duration=11, aspect_ratio="1:1", fps=6)
    with pytest.raises(ApiError) as caught:
        validate_create(MOTION_CONTROL, SIM_BODY, fetch=lambda url, name, limit: long_clip)
    assert "between 3s and 10s with character_orientation image" in caught.value.message
    assert validate_create(MOTION_CONTROL, {**SIM_BODY, "character_orientation": "video"},
                           fetch=lambda url, name, limit: long_clip).duration_s == pytest.approx(11.0, abs=0.2)


def _no_fetch(url, name, limit):
    raise ApiError(400, 1201, f"Invalid request parameters: {name} could not be downloaded")


# --- end to end: the native API ---------------------------------------------------------------------

# A real clip of the team (the motion a request follows), made through the worker and the simulator.
_finished_clip = functools.partial(finished_clip, prompt="a dancer spins on a stage")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_makes_a_motion_clip_from_a_character_and_a_clip_of_the_team(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    response = create(client, alice_key, kind=MOTION_CONTROL, image=b64(image_bytes(seed=4)), parent_id=str(clip.public_id),
                      character_orientation="image", prompt="in a sunny park")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "motion-control" and body["model"] == "kling-v2-6" and body["duration"] == "5"  # the clip's
    made = drive_to_terminal(body["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.parent_id == clip.pk and made.price_credits == 20 and made.credit_state == "captured"
    assert made.asset(AssetRole.INPUT_IMAGE) is not None
    assert made.asset(AssetRole.VIDEO).duration_s == pytest.approx(clip.asset(AssetRole.VIDEO).duration_s, abs=0.3)
    assert made.screening_result["input_scan"]["verdict"] == "allow"  # the image and the clip were scanned
    assert made.options["character_orientation"] == "image"
    # A clip of another team, or none at all, is not a motion: 404, nothing made.
    missing = create(client, alice_key, kind=MOTION_CONTROL, image=b64(image_bytes()), character_orientation="video",
                     parent_id="8d7a3f1c-1111-4222-8333-944455556666")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "parent_not_found", missing.content
    assert Generation.objects.filter(kind=MOTION_CONTROL).count() == 1
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_harmful_prompt_is_1301_with_nothing_charged(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    native = create(client, alice_key, kind=MOTION_CONTROL, image=b64(image_bytes()), parent_id=str(clip.public_id),
                    character_orientation="image", prompt=HARMFUL_WORDS)
    assert native.status_code == 422 and native.json()["error"]["code"] == "policy_violation", native.content
    kling = kling_post(client, alice_key, {"image_url": b64(image_bytes()), "video_url": result_url(client, alice_key, clip),
                                           "character_orientation": "image", "mode": "std", "prompt": HARMFUL_WORDS})
    assert kling.status_code == 400 and kling.json()["code"] == 1301 and "data" not in kling.json(), kling.content
    blocked = Generation.objects.filter(kind=MOTION_CONTROL)
    assert blocked.count() == 2 and all(g.status == "blocked" and g.credit_state == "none" for g in blocked)
    assert_never_sent_and_nothing_charged(blocked, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_character_image_or_motion_clip_that_fails_the_input_scan_is_refused_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch
):
    from generations.moderation.visual import scanning

    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        image = create(client, alice_key, kind=MOTION_CONTROL, image=b64(image_bytes()), parent_id=str(clip.public_id),
                       character_orientation="image")
    assert image.status_code == 422 and image.json()["error"]["stage"] == "input", image.content
    # An unsafe motion clip: scanned as an output is, and blocked the same way (through the Kling door).
    monkeypatch.setattr(scanning, "scan_video", functools.partial(scanning.scan_video, detectors=[constant_score_detector(0.97)]))
    door = kling_post(client, alice_key, {"image_url": b64(image_bytes()), "video_url": result_url(client, alice_key, clip),
                                          "character_orientation": "video", "mode": "pro"})
    assert door.status_code == 400 and door.json()["code"] == 1301, door.content
    refused = Generation.objects.filter(kind=MOTION_CONTROL)
    assert refused.count() == 2
    assert all((g.status, g.stage, g.error_code, g.credit_state) == ("blocked", "input", "input_blocked", "none") for g in refused)
    assert_never_sent_and_nothing_charged(refused, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_character_image_in_a_blocking_hash_bank_is_refused_and_a_remix_opens_the_motion_page(
    client, use_simulator, redis_conn, team, alice_key, tmp_path
):
    from generations.actions import hashbanks
    from generations.web.generations import remix_url

    clip = _finished_clip(client, alice_key)
    banned = image_bytes(seed=9)
    bank = hashbanks.do_create_bank(name="known", category="sexual_minors", action="block")
    path = tmp_path / "banned.png"
    path.write_bytes(banned)
    hashbanks.do_add_media(bank, path=path, note="test entry")
    response = create(client, alice_key, kind=MOTION_CONTROL, image=b64(banned), parent_id=str(clip.public_id),
                      character_orientation="image")
    assert response.status_code == 422, response.content
    generation = Generation.objects.get(kind=MOTION_CONTROL)
    assert (generation.status, generation.error_code, generation.credit_state) == ("blocked", "hash_match", "none")
    assert generation.screening_result["hash_match"]["role"] == "input_image"
    # Remixing a motion clip opens the Motion page with the same clip, facing, model and mode.
    url = remix_url(generation)
    assert url.startswith("/generations/new/motion/?") and f"parent_id={clip.public_id}" in url
    assert "character_orientation=image" in url and "model=kling-v2-6" in url


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_moving_a_pictured_face_waits_for_a_moderator_unless_consent_is_recorded(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    from generations.actions import consent

    clip = _finished_clip(client, alice_key)
    body = {"kind": MOTION_CONTROL, "image": face_b64(), "parent_id": str(clip.public_id), "character_orientation": "image"}
    held = create(client, alice_key, **body)
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    generation = Generation.objects.get(public_id=held.json()["id"])
    assert generation.screening_result["likeness"]["reanimation"] == "motion_transfer"
    assert "image" in generation.screening_result["likeness"]["inputs_with_faces"]
    assert ReviewItem.objects.get(generation=generation).categories == {"deepfake": 0.6}
    record = consent.do_record_consent(team=team, user=alice, subject_name="Grace Hopper",
                                       statement="Signed likeness release for motion clips, 2026-12-01")
    allowed = create(client, alice_key, **body, consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    assert drive_to_terminal(allowed.json()["id"]).status == "succeeded"


def test_the_likeness_and_age_rules_treat_any_face_in_a_character_image_as_re_animated():
    from generations.actions.generation import reanimation_kind
    from generations.moderation.visual import likeness, minors

    assert reanimation_kind(kind=MOTION_CONTROL, character_face=True) == likeness.MOTION_TRANSFER == "motion_transfer"
    assert reanimation_kind(kind=MOTION_CONTROL, character_face=False) == ""  # a face only in the motion clip
    held = likeness.likeness_decision(face_counts={"image": 1, "video_url": 0}, reanimation=likeness.MOTION_TRANSFER)
    assert held.decision == "review" and held.categories == {"deepfake": 0.6} and "character image move" in held.reason
    covered = likeness.likeness_decision(face_counts={"image": 1}, reanimation=likeness.MOTION_TRANSFER, consent_id="c-1")
    assert covered.decision == "allow"
    assert likeness.likeness_decision(face_counts={"image": 0}, reanimation=likeness.MOTION_TRANSFER).decision == "allow"
    rule = dict(reanimation=likeness.MOTION_TRANSFER, prompt_sexual=0.0, sexual_low=0.2, margin_years=7)
    assert minors.input_minor_rule(youngest_age=12, **rule) == "making an apparent minor in a picture move as someone else did"
    assert minors.input_minor_rule(youngest_age=40, **rule) == ""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_apparent_minor_in_the_character_image_is_refused_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice, alice_key, faces_read_as_children
):
    from generations.actions import consent

    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    record = consent.do_record_consent(team=team, user=alice, subject_name="A child", statement="A parent signed")
    response = create(client, alice_key, kind=MOTION_CONTROL, image=face_b64(), parent_id=str(clip.public_id),
                      character_orientation="image", consent_id=str(record.public_id))
    assert response.status_code == 422, response.content
    generation = Generation.objects.get(kind=MOTION_CONTROL)
    assert (generation.status, generation.error_code, generation.credit_state) == ("blocked", "apparent_minor", "none")
    assert "move as someone else did" in generation.screening_result["input_scan"]["apparent_minor"]["reason"]
    assert not Generation.objects.filter(kind=MOTION_CONTROL, provider_task_id__gt="").exists()
    team.refresh_from_db()
    assert team.credits_available == before and team.credits_reserved == 0


# --- end to end: the Kling door ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_creates_queries_and_lists_motion_tasks(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    created = kling_post(client, alice_key, {
        "model_name": "kling-v3", "image_url": b64(image_bytes(seed=3)), "video_url": result_url(client, alice_key, clip),
        "character_orientation": "video", "keep_original_sound": "no", "mode": "pro", "external_task_id": "motion-1",
    })
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted" and data["task_info"]["external_task_id"] == "motion-1"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == MOTION_CONTROL and generation.parent_id == clip.pk
    assert generation.price_credits == 30 and generation.mode == "pro" and generation.model_name == "kling-v3"
    assert generation.options == {"character_orientation": "video", "keep_original_sound": "no"}

    for ident in (data["task_id"], "motion-1"):
        queried = client.get(f"/kling/v1/videos/motion-control/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        video = queried["data"]["task_result"]["videos"][0]
        assert float(video["duration"]) == pytest.approx(5.0, abs=0.3) and video["url"]
    listed = client.get("/kling/v1/videos/motion-control?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [data["task_id"]]


@pytest.mark.django_db
@pytest.mark.parametrize("body, message", [
    ({"video_url": "https://example.com/dance.mp4"}, "other URLs are not fetched"),
    ({"video_url": None}, "video_url is required"),
    ({"video_url": None, "video_id": "8d7a3f1c-1111-4222-8333-944455556666"}, "does not exist"),
    ({"character_orientation": None}, "character_orientation is required"),
    ({"model_name": "kling-v1-6"}, "does not do motion control"),
    ({"image_url": None}, "character's image"),
    ({"duration": "5"}, "duration is not used by motion-control"),
])
def test_kling_door_refuses_bad_motion_requests_with_1201(client, redis_conn, team, alice, alice_key, body, message):
    # A clip of the team the door knows by its result id (the checks above fail before it is ever read).
    clip = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a dancer", model_name="kling-v1-6",
                                     duration="5", status="succeeded")
    video = clip.assets.create(role=AssetRole.VIDEO, file=content("clip.mp4", b"not read"), content_type="video/mp4",
                               size_bytes=8, sha256="x")
    full = {"image_url": b64(image_bytes()), "video_url": f"https://studio.test/kling/v1/files/{video.public_id}",
            "character_orientation": "image", "mode": "std", **body}
    response = kling_post(client, alice_key, {name: value for name, value in full.items() if value is not None})
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.filter(kind=MOTION_CONTROL).exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_submit_and_poll_the_motion_route(client, alice_key, provider):
    clip = _finished_clip(client, alice_key)
    response = create(client, alice_key, kind=MOTION_CONTROL, image=b64(image_bytes(seed=6)), parent_id=str(clip.public_id),
                      character_orientation="video", mode="pro", keep_original_sound="no")
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.provider_task_id and generation.provider_video_id


@pytest.mark.e2e
@pytest.mark.django_db
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice):
    """The request shape (pipeline.upstream_payload) against the simulator, through the provider client, and
    the response shapes it reads back: create, query by either id, list; 1301 and 1201 refusals."""
    made = upstream.create_task("text2video", {"model_name": "kling-v1-6", "prompt": "a dancer", "duration": "5"})
    source = wait_task(upstream, "text2video", made.task_id)
    assert source.status == "succeed"
    parent = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a dancer", model_name="kling-v1-6",
                                       duration="5", status="succeeded", provider_task_id=made.task_id,
                                       provider_video_id=source.video_id)
    submitted = validated(parent_id=str(parent.public_id), prompt="on a rooftop", keep_original_sound="no")
    generation = Generation.objects.create(team=team, created_by=alice, kind=MOTION_CONTROL, prompt=submitted.prompt, parent=parent,
                                           model_name=submitted.model_name, mode=submitted.mode, duration="5",
                                           aspect_ratio="", options=submitted.options)
    generation.assets.create(role=AssetRole.INPUT_IMAGE, file=content("in.png", submitted.image.data),
                             content_type="image/png", size_bytes=len(submitted.image.data), sha256="x")
    payload = pipeline.upstream_payload(generation, video_url_of=lambda clip: pipeline.upstream_video_url(upstream, clip))
    assert set(payload) == {"model_name", "image_url", "video_url", "character_orientation", "keep_original_sound", "mode",
                            "prompt", "external_task_id"}
    assert payload["video_url"] == source.video_url and not payload["image_url"].startswith("data:")
    assert (payload["character_orientation"], payload["keep_original_sound"], payload["mode"]) == ("image", "no", "std")

    created = upstream.create_task(MOTION_CONTROL, payload)
    assert created.status == "submitted" and created.task_id.isdigit()
    task = wait_task(upstream, MOTION_CONTROL, created.task_id)
    assert task.status == "succeed" and task.video_url and task.video_duration_s == pytest.approx(5.0, abs=0.3)
    assert upstream.get_task(MOTION_CONTROL, str(generation.public_id)).task_id == created.task_id
    assert [listed.task_id for listed in upstream.list_tasks(MOTION_CONTROL)] == [created.task_id]

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(MOTION_CONTROL, {**payload, "prompt": "nsfw dance", "external_task_id": "other"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(MOTION_CONTROL, {name: value for name, value in payload.items() if name != "character_orientation"})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)
