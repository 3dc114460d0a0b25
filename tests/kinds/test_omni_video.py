"""The omni-video kind (kling-video-o1, kling-v3-omni) end to end: one prompt naming its inputs as
<<<image_N>>>, <<<video_N>>> and <<<element_N>>>. Validation in the catalog (every reference names an input,
every input is referenced) and in the simulator, the same pipeline as every kind (the prompt screened with its
references in place; every referenced image and clip through the hash banks, the nudity scan, faces and
consent), credits, a real RQ worker, the simulator over loopback HTTP, both doors, both providers, and the
contract the provider client speaks."""

import functools

import pytest

from generations import catalog
from generations.catalog import OMNI_VIDEO, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator.validation import ApiError, OmniRequest, validate_create
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
    return client.post("/kling/v1/videos/omni-video", body, content_type="application/json", **bearer(key))


def validated(**fields):
    return validate_generation_request(load_media_inputs({"kind": OMNI_VIDEO, **fields}), default_model="kling-v1-6")


def images(count, start=0):
    return [{"image": b64(image_bytes(seed=start + n))} for n in range(count)]


# --- validation: the catalog ------------------------------------------------------------------------

@pytest.mark.django_db
def test_valid_omni_requests():
    text = validated(prompt="a fox runs through snow")
    assert (text.model_name, text.mode, text.duration, text.aspect_ratio) == ("kling-video-o1", "pro", "5", "16:9")
    refs = validated(prompt="<<<image_1>>> walks past <<<image_2>>> in Tokyo", image_list=images(2), duration="7",
                     model="kling-v3-omni", mode="std", aspect_ratio="1:1")
    assert len(refs.images) == 2 and refs.duration == "7" and refs.mode == "std" and refs.aspect_ratio == "1:1"
    assert refs.options == {"image_types": ["", ""]}
    # The prompt is screened with its references in place, written as words.
    assert refs.screened_text == "image 1  walks past  image 2  in Tokyo"
    frames = validated(prompt="the person dances", image_list=[{**images(1)[0], "type": "first_frame"},
                                                               {**images(1, 1)[0], "type": "end_frame"}], duration="6")
    assert frames.options["image_types"] == ["first_frame", "end_frame"] and frames.aspect_ratio == ""
    edit = validated(prompt="put the crown of <<<image_1>>> on the girl in <<<video_1>>>", image_list=images(1),
                     video_list=[{"video_id": "gen-1", "refer_type": "base", "keep_original_sound": "yes"}])
    assert edit.parent_id == "gen-1" and edit.duration == "" and edit.aspect_ratio == ""
    assert edit.options["video"] == {"refer_type": "base", "keep_original_sound": "yes"}
    feature = validated(prompt="the next shot after <<<video_1>>>", video_list=[{"video_id": "gen-1", "refer_type": "feature"}],
                        duration="4")
    assert feature.duration == "4" and feature.options["video"]["keep_original_sound"] == "no"


@pytest.mark.django_db
@pytest.mark.parametrize("fields, code, field, words", [
    ({"prompt": "<<<image_3>>> waves", "image_list": "TWO"}, "reference_not_found", "image_list", "<<<image_3>>>, but image_list has 2"),
    ({"prompt": "<<<image_1>>> meets <<<image_1>>>", "image_list": "TWO"}, "reference_unused", "image_list", "image_list[1] is never"),
    ({"prompt": "a walk in <<<video_1>>>"}, "reference_not_found", "video_list", "video_list is empty"),
    ({"prompt": "a walk", "video_list": [{"video_id": "g1"}]}, "reference_unused", "video_list", "<<<video_1>>>"),
    ({"prompt": "<<<element_2>>> dances", "element_list": [{"element_id": 7}]}, "reference_not_found", "element_list", "element_list has 1"),
    # Which element an id names is the submit's to resolve (tests/kinds/test_elements.py); the catalog checks its form.
    ({"prompt": "<<<element_1>>> dances", "element_list": [{"element_id": "seven"}]}, "invalid_element_id", "element_list",
     "element_list[0].element_id must be"),
    ({"prompt": "", "image_list": "TWO"}, "prompt_required", "prompt", "prompt"),
    ({"prompt": "a walk", "model": "kling-v1-6"}, "model_not_capable", "model", "omni-video"),
    ({"prompt": "<<<image_1>>>", "image_list": [{"image": "IMAGE", "type": "middle"}]}, "invalid_image_type", "image_list", "first_frame"),
    ({"prompt": "a dance", "image_list": [{"image": "IMAGE", "type": "end_frame"}]}, "invalid_image_type", "image_list", "needs a first_frame"),
    ({"prompt": "x", "image_list": "EIGHT"}, "too_many_images", "image_list", "at most 7"),
    ({"prompt": "x <<<video_1>>>", "image_list": "FIVE", "video_list": [{"video_id": "g1"}]}, "too_many_references", "image_list", "at most 4"),
    ({"prompt": "x <<<video_1>>>", "video_list": [{"video_id": "g1", "refer_type": "copy"}]}, "invalid_refer_type", "video_list", "feature or base"),
    ({"prompt": "x <<<video_1>>>", "video_list": [{"video_id": "g1"}], "duration": "5"}, "field_not_applicable", "duration", "keeps its length"),
    ({"prompt": "a dance", "image_list": [{"image": "IMAGE", "type": "first_frame"}], "aspect_ratio": "1:1"},
     "field_not_applicable", "aspect_ratio", "first frame"),
    ({"prompt": "a fox", "duration": "7"}, "invalid_duration", "duration", "5, 10"),
    ({"prompt": "a fox", "model": "kling-v3-omni", "duration": "16"}, "invalid_duration", "duration", "15"),
    ({"prompt": "a fox", "sound": "on"}, "sound_not_supported", "sound", "omni-video"),
    ({"prompt": "a fox", "negative_prompt": "blur"}, "field_not_applicable", "negative_prompt", "omni-video"),
    ({"prompt": "a fox", "image": "IMAGE"}, "field_not_applicable", "image", "omni-video"),
])
def test_the_catalog_refuses_bad_omni_requests(fields, code, field, words):
    counts = {"TWO": 2, "FIVE": 5, "EIGHT": 8}
    fields = {name: images(counts[value]) if isinstance(value, str) and value in counts else value for name, value in fields.items()}
    fields = {name: b64(image_bytes()) if value == "IMAGE" else value for name, value in fields.items()}
    if isinstance(fields.get("image_list"), list):
        fields["image_list"] = [{**entry, "image": b64(image_bytes())} if entry.get("image") == "IMAGE" else entry
                                for entry in fields["image_list"]]
    with pytest.raises(GenerationError) as caught:
        validated(**fields)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert words in caught.value.message


def test_omni_video_is_priced_by_model_mode_and_seconds():
    assert price_generation(OMNI_VIDEO, "kling-video-o1", "pro", "5") == 40
    assert price_generation(OMNI_VIDEO, "kling-video-o1", "std", "10") == 60
    assert price_generation(OMNI_VIDEO, "kling-v3-omni", "pro", "7") == 56
    assert price_generation(OMNI_VIDEO, "kling-video-o1", "std", "5", table={"kling-video-o1": {"std": 50}}) == 50
    with pytest.raises(ValueError):
        price_generation(OMNI_VIDEO, "kling-v1-6", "std", "5")


# --- validation: the simulator (the upstream's codes and wording) -----------------------------------

SIM_IMAGE = b64(image_bytes())


def test_the_simulator_accepts_omni_requests():
    refs = validate_create(OMNI_VIDEO, {"prompt": "<<<image_1>>> in the rain", "image_list": [{"image_url": SIM_IMAGE}],
                                        "duration": "4", "external_task_id": "mine"})
    assert isinstance(refs, OmniRequest) and refs.mode == "pro" and refs.duration_s == 4.0 and len(refs.images) == 1
    text = validate_create(OMNI_VIDEO, {"model_name": "kling-v3-omni", "prompt": "a fox", "mode": "std", "aspect_ratio": "9:16"})
    assert text.aspect_ratio == "9:16" and text.duration_s == 5.0


@pytest.mark.parametrize("body, code, message", [
    ({"image_list": [{"image_url": SIM_IMAGE}]}, 1201, "prompt is required"),
    ({"prompt": "<<<image_2>>> waves", "image_list": [{"image_url": SIM_IMAGE}]}, 1201, "<<<image_2>>> in prompt does not match"),
    ({"prompt": "x", "model_name": "kling-v1"}, 1201, "model_name must be one of: kling-video-o1"),
    ({"prompt": "x", "image_list": [{"image_url": SIM_IMAGE}] * 8}, 1201, "image_list can contain at most 7"),
    ({"prompt": "x", "video_list": [{"video_url": "http://a/b.mp4"}] * 2}, 1201, "video_list can contain at most 1"),
    ({"prompt": "x", "image_list": [{"image_url": SIM_IMAGE, "type": "end_frame"}]}, 1201, "end_frame needs a first_frame"),
    ({"prompt": "x", "video_list": [{"video_url": "http://a/b.mp4"}], "duration": "5"}, 1201, "duration is not supported"),
    ({"prompt": "x", "duration": "7"}, 1201, "duration must be one of: 5, 10"),
    ({"prompt": "<<<element_1>>> runs", "element_list": [{"element_id": 42}]}, 1201, "element_id 42 does not exist"),
    ({"prompt": "<<<image_1>>>naked on a beach", "image_list": [{"image_url": SIM_IMAGE}]}, 1301, "Trigger the content security"),
])
def test_the_simulator_refuses_bad_omni_requests_as_upstream(body, code, message):
    with pytest.raises(ApiError) as caught:
        validate_create(OMNI_VIDEO, body)
    assert caught.value.code == code and caught.value.message.startswith(message), caught.value.message


# --- end to end: the native API ---------------------------------------------------------------------

# A real clip of the team (the clip video_list names), made through the worker and the simulator.
_finished_clip = functools.partial(finished_clip, prompt="a red boat on a calm lake")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_makes_an_omni_clip_from_reference_images_and_edits_a_clip(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=OMNI_VIDEO, prompt="<<<image_1>>> and <<<image_2>>> dance in the street",
                      image_list=images(2), duration="4", mode="std")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "omni-video" and body["model"] == "kling-video-o1" and body["duration"] == "4"
    made = drive_to_terminal(body["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.price_credits == 24 and made.credit_state == "captured"
    assert made.asset(AssetRole.INPUT_IMAGE) is not None and made.asset(AssetRole.INPUT_IMAGE_2) is not None
    assert made.asset(AssetRole.VIDEO).duration_s == pytest.approx(4.0, abs=0.3)

    clip = _finished_clip(client, alice_key)
    edited = create(client, alice_key, kind=OMNI_VIDEO, prompt="make it snow in <<<video_1>>>",
                    video_list=[{"video_id": str(clip.public_id), "refer_type": "base"}])
    assert edited.status_code == 202, edited.content
    assert edited.json()["duration"] == "5"  # the clip's own length
    generation = drive_to_terminal(edited.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.parent_id == clip.pk and generation.price_credits == 40  # pro by default, as upstream
    assert generation.asset(AssetRole.VIDEO).duration_s == pytest.approx(clip.asset(AssetRole.VIDEO).duration_s, abs=0.3)
    assert generation.screening_result["input_scan"]["verdict"] == "allow"  # the clip was scanned as an input
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_harmful_prompt_with_references_is_1301_with_nothing_charged(client, use_simulator, redis_conn, team, alice_key):
    before = team.credits_available
    prompt = f"<<<image_1>>> says: {HARMFUL_WORDS}"
    native = create(client, alice_key, kind=OMNI_VIDEO, prompt=prompt, image_list=images(1))
    assert native.status_code == 422, native.content
    assert native.json()["error"]["code"] == "policy_violation"
    kling = kling_post(client, alice_key, {"prompt": prompt, "image_list": [{"image_url": b64(image_bytes())}]})
    assert kling.status_code == 400 and kling.json()["code"] == 1301 and "data" not in kling.json(), kling.content
    blocked = Generation.objects.filter(kind=OMNI_VIDEO)
    assert blocked.count() == 2 and all(g.status == "blocked" and g.credit_state == "none" for g in blocked)
    assert_never_sent_and_nothing_charged(blocked, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_referenced_image_or_clip_that_fails_the_input_scan_is_refused_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch
):
    from generations.moderation.visual import scanning

    clip = _finished_clip(client, alice_key)
    before = team.refresh_from_db() or team.credits_available
    # An unsafe reference image (every frame the detector sees scores 0.97 sexual): blocked at input.
    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        image = create(client, alice_key, kind=OMNI_VIDEO, prompt="<<<image_1>>> on a beach", image_list=images(1))
    assert image.status_code == 422 and image.json()["error"]["stage"] == "input", image.content
    # An unsafe clip in video_list: scanned as an output is, and blocked the same way (through the Kling door).
    monkeypatch.setattr(scanning, "scan_video", functools.partial(scanning.scan_video, detectors=[constant_score_detector(0.97)]))
    door = kling_post(client, alice_key, {"prompt": "the next shot of <<<video_1>>>",
                                          "video_list": [{"video_url": result_url(client, alice_key, clip), "refer_type": "feature"}]})
    assert door.status_code == 400 and door.json()["code"] == 1301, door.content
    refused = Generation.objects.filter(kind=OMNI_VIDEO)
    assert refused.count() == 2
    assert all((g.status, g.stage, g.error_code, g.credit_state) == ("blocked", "input", "input_blocked", "none") for g in refused)
    assert_never_sent_and_nothing_charged(refused, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_referenced_image_in_a_blocking_hash_bank_is_refused(client, use_simulator, redis_conn, team, alice_key, tmp_path):
    from generations.actions import hashbanks

    banned = image_bytes(seed=9)
    bank = hashbanks.do_create_bank(name="known", category="sexual_minors", action="block")
    path = tmp_path / "banned.png"
    path.write_bytes(banned)
    hashbanks.do_add_media(bank, path=path, note="test entry")
    response = create(client, alice_key, kind=OMNI_VIDEO, prompt="<<<image_1>>> and <<<image_2>>> wave",
                      image_list=[images(1)[0], {"image": b64(banned)}])
    assert response.status_code == 422, response.content
    generation = Generation.objects.get(kind=OMNI_VIDEO)
    assert (generation.status, generation.error_code, generation.credit_state) == ("blocked", "hash_match", "none")
    assert generation.screening_result["hash_match"]["role"] == "input_image_2"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_putting_a_pictured_face_into_a_clip_waits_for_a_moderator_unless_consent_is_recorded(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    from generations.actions import consent

    clip = _finished_clip(client, alice_key)
    body = {"kind": OMNI_VIDEO, "prompt": "<<<image_1>>> walks into <<<video_1>>>", "image_list": [{"image": face_b64()}],
            "video_list": [{"video_id": str(clip.public_id), "refer_type": "base"}]}
    held = create(client, alice_key, **body)
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    generation = Generation.objects.get(public_id=held.json()["id"])
    assert generation.screening_result["likeness"]["reanimation"] == "footage_edit"
    assert "images[0]" in generation.screening_result["likeness"]["inputs_with_faces"]
    assert ReviewItem.objects.get(generation=generation).categories == {"deepfake": 0.6}
    record = consent.do_record_consent(team=team, user=alice, subject_name="Grace Hopper",
                                       statement="Signed likeness release for edited clips, 2026-12-01")
    allowed = create(client, alice_key, **body, consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    assert drive_to_terminal(allowed.json()["id"]).status == "succeeded"


# --- end to end: the Kling door ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_creates_queries_and_lists_omni_tasks(client, use_simulator, redis_conn, team, alice_key):
    clip = _finished_clip(client, alice_key)
    created = kling_post(client, alice_key, {
        "model_name": "kling-video-o1", "prompt": "give the boat in <<<video_1>>> the sail of <<<image_1>>>",
        "image_list": [{"image_url": b64(image_bytes(seed=3))}],
        "video_list": [{"video_url": result_url(client, alice_key, clip), "refer_type": "base", "keep_original_sound": "no"}],
        "mode": "std", "external_task_id": "omni-1",
    })
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted" and data["task_info"]["external_task_id"] == "omni-1"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == OMNI_VIDEO and generation.parent_id == clip.pk
    assert generation.price_credits == 30 and generation.mode == "std"

    for ident in (data["task_id"], "omni-1"):
        queried = client.get(f"/kling/v1/videos/omni-video/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        video = queried["data"]["task_result"]["videos"][0]
        assert float(video["duration"]) == pytest.approx(5.0, abs=0.3) and video["url"]
    listed = client.get("/kling/v1/videos/omni-video?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [data["task_id"]]
    assert client.get(f"/kling/v1/videos/image2video/{data['task_id']}", **bearer(alice_key)).json()["code"] == 1203


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body, message", [
    ({"prompt": "<<<image_2>>> waves", "image_list": [{"image_url": "IMAGE"}]}, "<<<image_2>>>, but image_list has 1"),
    ({"prompt": "a wave", "image_list": [{"image_url": "IMAGE"}]}, "image_list[0] is never referred to"),
    ({"prompt": "<<<element_1>>> runs", "element_list": [{"element_id": 123}]}, "element_id 123 does not exist"),
    ({"prompt": "<<<video_1>>> again", "video_list": [{"video_url": "https://example.com/a.mp4"}]}, "other URLs are not fetched"),
    ({"prompt": "<<<video_1>>> again", "video_list": [{"video_id": "8d7a3f1c-1111-4222-8333-944455556666"}]}, "does not exist"),
    ({"prompt": "a fox", "model_name": "kling-v2-6"}, "does not support omni-video"),
    ({"prompt": "a fox", "image_list": "nope"}, "image_list must be a list"),
])
def test_kling_door_refuses_bad_omni_requests_with_1201(client, redis_conn, team, alice_key, body, message):
    if isinstance(body.get("image_list"), list):
        body = {**body, "image_list": [{"image_url": b64(image_bytes())}]}
    response = kling_post(client, alice_key, body)
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_submit_and_poll_the_omni_route_with_images_and_a_clip(client, alice_key, provider):
    clip = _finished_clip(client, alice_key)
    response = create(client, alice_key, kind=OMNI_VIDEO, prompt="<<<image_1>>> sails on after <<<video_1>>>",
                      image_list=images(1), video_list=[{"video_id": str(clip.public_id), "refer_type": "feature"}],
                      model="kling-v3-omni", duration="3")
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.provider_task_id and generation.provider_video_id


@pytest.mark.e2e
@pytest.mark.django_db
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice):
    """The request shape (pipeline.upstream_payload) against the simulator, through the provider client,
    and the response shapes it reads back: create, query by either id, list; 1301 and 1201 refusals."""
    made = upstream.create_task("text2video", {"model_name": "kling-v1-6", "prompt": "a boat", "duration": "5"})
    source = wait_task(upstream, "text2video", made.task_id)
    assert source.status == "succeed"
    parent = Generation.objects.create(team=team, created_by=alice, kind="text2video", prompt="a boat", model_name="kling-v1-6",
                                       duration="5", status="succeeded", provider_task_id=made.task_id,
                                       provider_video_id=source.video_id)
    submitted = validated(prompt="<<<image_1>>> boards the boat in <<<video_1>>>", image_list=images(1),
                          video_list=[{"video_id": str(parent.public_id), "refer_type": "base"}])
    generation = Generation.objects.create(team=team, created_by=alice, kind=OMNI_VIDEO, prompt=submitted.prompt, parent=parent,
                                           model_name=submitted.model_name, mode=submitted.mode, duration="5",
                                           aspect_ratio=submitted.aspect_ratio, options=submitted.options)
    generation.assets.create(role=AssetRole.INPUT_IMAGE, file=content("in.png", submitted.images[0].data),
                             content_type="image/png", size_bytes=len(submitted.images[0].data), sha256="x")
    payload = pipeline.upstream_payload(generation, video_url_of=lambda clip: pipeline.upstream_video_url(upstream, clip))
    assert set(payload) == {"model_name", "prompt", "mode", "image_list", "video_list", "external_task_id"}
    assert payload["video_list"] == [{"video_url": source.video_url, "refer_type": "base", "keep_original_sound": "no"}]
    assert set(payload["image_list"][0]) == {"image_url"} and not payload["image_list"][0]["image_url"].startswith("data:")

    created = upstream.create_task(OMNI_VIDEO, payload)
    assert created.status == "submitted" and created.task_id.isdigit()
    task = wait_task(upstream, OMNI_VIDEO, created.task_id)
    assert task.status == "succeed" and task.video_url and task.video_duration_s == pytest.approx(5.0, abs=0.3)
    assert upstream.get_task(OMNI_VIDEO, str(generation.public_id)).task_id == created.task_id
    assert [listed.task_id for listed in upstream.list_tasks(OMNI_VIDEO)] == [created.task_id]

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(OMNI_VIDEO, {**payload, "prompt": "<<<image_1>>> nsfw <<<video_1>>>", "external_task_id": "other"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(OMNI_VIDEO, {"prompt": "<<<image_2>>>", "image_list": payload["image_list"]})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)


def test_omni_references_are_read_per_list():
    assert catalog.omni_references("<<<image_1>>> x <<<video_1>>> <<<image_3>>> <<<element_2>>>") == {
        "image": {1, 3}, "video": {1}, "element": {2}}
    assert catalog.omni_readable("<<<image_1>>>naked") == "image 1 naked"  # no word is joined to a reference
