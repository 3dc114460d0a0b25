"""The image-generation kind (POST/GET /v1/images/generations) end to end: n still images from a prompt, optionally
guided by a reference image. Validation in the catalog and in the simulator, the same pipeline as every kind (the
prompt and negative prompt screened; the reference image through the hash banks, the nudity scan, faces and apparent
minors), per-image credits, a real RQ worker, the simulator over loopback HTTP, both doors, both providers, every
still scanned as a clip's frames are (held or blocked, blurred for the moderator), watermarked and signed, and the
contract the provider client speaks."""

import functools
import io

import pytest
from PIL import Image

from generations.catalog import IMAGE_GENERATION, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator import SimulatorConfig
from generations.simulator.render_images import render_stills
from generations.simulator.validation import ApiError, ImageGenerationRequest, validate_create
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import assert_books_balance, constant_score_detector, drive_to_terminal, run_workers
from tests.kinds.media import b64, image_bytes
from tests.kinds.support import (
    HARMFUL_WORDS,
    assert_blocked_on_both_doors,
    assert_image_task_round_trip,
    assert_never_sent_and_nothing_charged,
    content,
    create,
    face_b64,
)


def kling_post(client, key, body):
    return client.post("/kling/v1/images/generations", body, content_type="application/json", **bearer(key))


def validated(**fields):
    data = {"kind": IMAGE_GENERATION, "prompt": "a lighthouse at dusk", **fields}
    return validate_generation_request(load_media_inputs({k: v for k, v in data.items() if v is not None}), default_model="kling-v1-6")


# --- validation: the catalog ------------------------------------------------------------------------

def test_valid_image_requests():
    plain = validated()
    assert (plain.model_name, plain.aspect_ratio, plain.duration, plain.options) == ("kling-v1", "16:9", "", {"n": 1})
    assert plain.image is None and plain.duration_seconds == 0
    many = validated(model="kling-v2-1", n=9, aspect_ratio="21:9", negative_prompt="blur", external_task_id="mine")
    assert (many.options["n"], many.aspect_ratio, many.negative_prompt, many.client_reference) == (9, "21:9", "blur", "mine")
    referenced = validated(model="kling-v1-5", image=b64(image_bytes()), image_reference="subject", image_fidelity=0.8,
                           human_fidelity=0.3)
    assert referenced.image is not None
    assert referenced.options == {"n": 1, "image_reference": "subject", "image_fidelity": 0.8, "human_fidelity": 0.3}
    assert validated(model="kling-v2", image=b64(image_bytes())).options == {"n": 1, "image_fidelity": 0.5}


@pytest.mark.parametrize("fields, code, field, words", [
    ({"prompt": None}, "prompt_required", "prompt", "prompt is required"),
    ({"prompt": "x" * 2501}, "prompt_too_long", "prompt", "2500"),
    ({"negative_prompt": "x" * 2501}, "negative_prompt_too_long", "negative_prompt", "2500"),
    ({"model": "kling-v1-6"}, "model_not_capable", "model", "does not make images"),
    ({"n": 0}, "invalid_image_count", "n", "1 to 9"),
    ({"n": 10}, "invalid_image_count", "n", "1 to 9"),
    ({"n": 2.5}, "invalid_image_count", "n", "1 to 9"),
    ({"aspect_ratio": "5:4"}, "invalid_aspect_ratio", "aspect_ratio", "21:9"),
    ({"resolution": "2k"}, "resolution_not_supported", "resolution", "1K"),
    ({"duration": "5"}, "field_not_applicable", "duration", "images/generations"),
    ({"mode": "pro"}, "field_not_applicable", "mode", "images/generations"),
    ({"sound": "on"}, "sound_not_supported", "sound", "images/generations"),
    ({"image_reference": "face"}, "image_required", "image_reference", "reference image"),
    ({"image": "IMAGE"}, "model_not_capable", "image", "kling-v1 takes no reference image"),
    ({"image": "IMAGE", "model": "kling-v1-5"}, "invalid_image_reference", "image_reference", "subject or face"),
    ({"image": "IMAGE", "model": "kling-v2", "image_reference": "face"}, "field_not_applicable", "image_reference", "kling-v1-5"),
    ({"image": "IMAGE", "model": "kling-v2", "negative_prompt": "blur"}, "field_not_applicable", "negative_prompt", "image to image"),
    ({"image": "IMAGE", "model": "kling-v2", "image_fidelity": 1.5}, "invalid_image_fidelity", "image_fidelity", "0 to 1"),
    ({"image": "IMAGE", "model": "kling-v1-5", "image_reference": "face", "human_fidelity": 0.5}, "field_not_applicable",
     "human_fidelity", "subject"),
])
def test_the_catalog_refuses_bad_image_requests(fields, code, field, words):
    fields = {name: (b64(image_bytes()) if value == "IMAGE" else value) for name, value in fields.items()}
    with pytest.raises(GenerationError) as caught:
        validated(**fields)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert words in caught.value.message


def test_images_are_priced_per_image_times_n():
    assert price_generation(IMAGE_GENERATION, "kling-v1", "std", "", images=1) == 2
    assert price_generation(IMAGE_GENERATION, "kling-v2-1", "std", "", images=9) == 18
    with pytest.raises(ValueError):
        price_generation(IMAGE_GENERATION, "kling-v1-6", "std", "", images=1)


# --- validation: the simulator (the upstream's codes and wording) -----------------------------------

SIM_BODY = {"prompt": "a lighthouse at dusk"}


@pytest.mark.parametrize("change, code, message", [
    ({"prompt": None}, 1201, "prompt is required"),
    ({"model_name": "kling-v1-6"}, 1201, "model_name must be one of: kling-v1, kling-v1-5"),
    ({"n": 10}, 1201, "n must be an integer between 1 and 9"),
    ({"aspect_ratio": "5:4"}, 1201, "aspect_ratio must be one of: 16:9"),
    ({"resolution": "4k"}, 1201, "resolution must be one of: 1k, 2k"),
    ({"image": "IMAGE"}, 1201, "model_name kling-v1 does not support a reference image"),
    ({"image": "IMAGE", "model_name": "kling-v1-5"}, 1201, "image_reference is required"),
    ({"image": "IMAGE", "model_name": "kling-v2", "negative_prompt": "blur"}, 1201, "negative_prompt is not supported"),
    ({"image_reference": "face"}, 1201, "image is required"),
    ({"image": "IMAGE", "model_name": "kling-v1-5", "image_reference": "face", "human_fidelity": 0.2}, 1201,
     "human_fidelity is only supported"),
    ({"duration": "5"}, 1201, "duration is not supported by image generation"),
    ({"prompt": "a nsfw poster"}, 1301, "Trigger the content security"),
])
def test_the_simulator_refuses_bad_image_requests_as_upstream(change, code, message):
    change = {name: (b64(image_bytes()) if value == "IMAGE" else value) for name, value in change.items()}
    body = {name: value for name, value in {**SIM_BODY, **change}.items() if value is not None}
    with pytest.raises(ApiError) as caught:
        validate_create(IMAGE_GENERATION, body, fetch=None)
    assert caught.value.code == code and caught.value.message.startswith(message), caught.value.message


def test_the_simulator_renders_n_distinct_stills_at_the_aspect_ratio_deterministically():
    accepted = validate_create(IMAGE_GENERATION, {**SIM_BODY, "n": 3, "aspect_ratio": "9:16"}, fetch=None)
    assert isinstance(accepted, ImageGenerationRequest) and accepted.count == 3
    stills = render_stills(accepted.prompt, count=3, aspect_ratio="9:16")
    assert stills == render_stills(accepted.prompt, count=3, aspect_ratio="9:16")  # the same prompt, the same images
    assert len(set(stills)) == 3 and all(still.startswith(b"\x89PNG") for still in stills)
    assert {Image.open(io.BytesIO(still)).size for still in stills} == {(576, 1024)}
    assert Image.open(io.BytesIO(render_stills("x", count=1, aspect_ratio="21:9")[0])).size == (1024, 439)
    assert render_stills("another prompt", count=1) != render_stills(accepted.prompt, count=1)


# --- end to end: the native API ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_makes_n_marked_images(client, use_simulator, redis_conn, team, alice_key):
    from generations.provenance import credentials, identity, verification

    response = create(client, alice_key, kind=IMAGE_GENERATION, prompt="a lighthouse at dusk", n=3, aspect_ratio="1:1",
                      negative_prompt="blurry, text")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["model"], body["duration"], body["aspect_ratio"]) == ("images/generations", "kling-v1", "", "1:1")
    made = drive_to_terminal(body["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.price_credits == 6 and made.credit_state == "captured" and made.options == {"n": 3}
    assert made.asset(AssetRole.VIDEO) is None and made.asset(AssetRole.POSTER) is not None
    assert made.scan_result["verdict"] == "allow" and len(made.scan_result["checks"]["images"]) == 3
    summary = client.get(f"/api/v1/generations/{made.public_id}", **bearer(alice_key)).json()
    assert summary["video_url"] is None and summary["provenance"] == {
        "credentials": True, "watermark": True, "label": True, "edited_from_parent": False}
    assert [image["index"] for image in summary["images"]] == [0, 1, 2]
    downloads = [client.get(image["url"], **bearer(alice_key)) for image in summary["images"]]
    assert all(download.status_code == 200 for download in downloads)
    pngs = [b"".join(download.streaming_content) for download in downloads]
    assert all(png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (1024, 1024) for png in pngs)
    assert len(set(pngs)) == 3
    # Each still carries this install's content credentials and its watermark, naming this generation.
    report = verification.inspect_image_bytes(
        pngs[0], None, trust_anchor_pem=credentials.ensure_signing_chain().ca_pem, mark_identity=identity.watermark_identity())
    assert report["credentials"]["state"] == "trusted", report["credentials"]
    assert report["watermark"]["found"] and report["watermark"]["digest"] == made.watermark_digest
    assert client.get(f"/api/v1/generations/{made.public_id}/images/3", **bearer(alice_key)).status_code == 404
    assert client.get(f"/api/v1/generations/{made.public_id}/video", **bearer(alice_key)).status_code == 404
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_reference_image_is_stored_scanned_and_sent_with_its_reference_type(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=IMAGE_GENERATION, prompt="the same robot on the moon", model="kling-v1-5",
                      image=b64(image_bytes(seed=2)), image_reference="subject", image_fidelity=0.7, human_fidelity=0.2)
    assert response.status_code == 202, response.content
    made = drive_to_terminal(response.json()["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.asset(AssetRole.INPUT_IMAGE) is not None and made.asset(AssetRole.IMAGE_1) is not None
    assert made.screening_result["input_scan"]["verdict"] == "allow"  # the reference image was scanned
    assert made.options == {"n": 1, "image_reference": "subject", "image_fidelity": 0.7, "human_fidelity": 0.2}
    assert made.provenance["edited"] is False  # made from scratch, with the reference only as guidance


def _both_doors_refuse(client, key, **fields):
    native = create(client, key, kind=IMAGE_GENERATION, **fields)
    kling = kling_post(client, key, {"model_name": fields.pop("model", "kling-v1"), **fields})
    return native, kling


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fields", [
    {"prompt": HARMFUL_WORDS},
    {"prompt": "a woman on a beach", "negative_prompt": "clothes, towel, swimsuit"},
])
def test_a_harmful_prompt_or_negative_prompt_is_1301_with_nothing_charged(client, use_simulator, redis_conn, team, alice_key,
                                                                           fields):
    before = team.refresh_from_db() or team.credits_available
    native, kling = _both_doors_refuse(client, alice_key, **fields)
    assert_blocked_on_both_doors(native, kling, Generation.objects.filter(kind=IMAGE_GENERATION), team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_reference_image_that_fails_the_input_scan_or_a_hash_bank_is_refused_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch, tmp_path
):
    from generations.actions import hashbanks
    from generations.moderation.visual import scanning

    before = team.refresh_from_db() or team.credits_available
    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        scanned = create(client, alice_key, kind=IMAGE_GENERATION, prompt="a portrait in oils", model="kling-v2",
                         image=b64(image_bytes()))
    assert scanned.status_code == 422 and scanned.json()["error"]["stage"] == "input", scanned.content
    banned = image_bytes(seed=9)
    bank = hashbanks.do_create_bank(name="known", category="sexual", action="block")
    path = tmp_path / "banned.png"
    path.write_bytes(banned)
    hashbanks.do_add_media(bank, path=path, note="test entry")
    door = kling_post(client, alice_key, {"model_name": "kling-v1-5", "prompt": "a portrait in oils", "image": b64(banned),
                                          "image_reference": "face"})
    assert door.status_code == 400 and door.json()["code"] == 1301, door.content
    refused = Generation.objects.filter(kind=IMAGE_GENERATION).order_by("pk")
    assert [(g.status, g.stage, g.error_code) for g in refused] == [("blocked", "input", "input_blocked"),
                                                                   ("blocked", "input", "hash_match")]
    assert refused[1].screening_result["hash_match"]["role"] == "input_image"
    assert_never_sent_and_nothing_charged(refused, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_face_in_the_reference_image_with_a_deceptive_prompt_is_refused_and_a_plain_one_passes(
    client, use_simulator, redis_conn, team, alice_key
):
    made = create(client, alice_key, kind=IMAGE_GENERATION, prompt="this woman as a painted portrait", model="kling-v1-5",
                  image=face_b64(), image_reference="face")
    assert made.status_code == 202 and made.json()["status"] == "queued", made.content
    generation = Generation.objects.get(public_id=made.json()["id"])
    assert "image" in generation.screening_result["likeness"]["inputs_with_faces"]
    assert drive_to_terminal(made.json()["id"]).status == "succeeded"
    faked = create(client, alice_key, kind=IMAGE_GENERATION, model="kling-v1-5", image=face_b64(), image_reference="face",
                   prompt="this woman naked in bed, make it look like a real leaked photo")
    assert faked.status_code == 422 and faked.json()["error"]["code"] == "policy_violation", faked.content


# --- the output scan: every still, held or blocked ----------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_borderline_still_holds_all_of_them_for_a_moderator_who_sees_them_blurred(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch
):
    from generations.moderation.visual import scanning

    response = create(client, alice_key, kind=IMAGE_GENERATION, prompt="a lighthouse at dusk", n=2)
    assert response.status_code == 202, response.content
    monkeypatch.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)]))
    run_workers(max_rounds=50)  # held is not terminal: the workers stop when nothing is left to do
    held = Generation.objects.get(public_id=response.json()["id"])
    assert (held.status, held.stage) == ("held", "output"), (held.error_code, held.error_message)
    images = [held.asset(role) for role in (AssetRole.IMAGE_1, AssetRole.IMAGE_2)]
    assert all(image is not None and image.quarantined for image in images)
    assert held.asset(AssetRole.POSTER).quarantined and held.asset(AssetRole.BLURRED_POSTER) is not None
    assert held.asset(AssetRole.EVIDENCE) is not None  # the deciding stills, blurred, for the moderator
    assert ReviewItem.objects.filter(generation=held, stage="output").exists()
    summary = client.get(f"/api/v1/generations/{held.public_id}", **bearer(alice_key)).json()
    assert summary["images"] is None and summary["poster_url"] is None
    assert client.get(f"/api/v1/generations/{held.public_id}/images/0", **bearer(alice_key)).status_code == 404
    task = client.get(f"/kling/v1/images/generations/{held.public_id}", **bearer(alice_key)).json()["data"]
    assert task["task_status"] == "processing" and task["task_result"] == {"images": []}

    # The moderator sees each still blurred on the server (a JPEG rendition, never the PNG), then releases them.
    from accounts.models import User
    from generations.actions import review

    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    item = ReviewItem.objects.get(generation=held, stage="output")
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert 'alt="Result image 1, blurred"' in page and 'alt="Result image 2, blurred"' in page
    assert "No media" not in page
    blurred = client.get(f"/moderation/items/{item.public_id}/media/image_1")
    assert blurred.status_code == 200 and blurred["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(blurred.content)).size) <= 640 < held.asset(AssetRole.IMAGE_1).width
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.APPROVE, reason="a lighthouse", expected_version=item.version)
    held.refresh_from_db()
    assert held.status == "succeeded" and held.credit_state == "captured"
    released = client.get(f"/api/v1/generations/{held.public_id}", **bearer(alice_key)).json()
    assert [image["index"] for image in released["images"]] == [0, 1] and released["poster_url"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_unsafe_still_or_one_in_a_blocking_hash_bank_blocks_the_images(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch, tmp_path
):
    from generations.actions import hashbanks
    from generations.moderation.visual import scanning

    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        response = create(client, alice_key, kind=IMAGE_GENERATION, prompt="a lighthouse at dusk")
        unsafe = drive_to_terminal(response.json()["id"])
    assert (unsafe.status, unsafe.stage, unsafe.error_code) == ("blocked", "output", "output_blocked")
    # The upstream rendered it, so its credits are spent (as for a blocked clip); nothing is shown to anyone.
    assert "images were withheld" in unsafe.error_message and unsafe.credit_state == "captured"
    assert unsafe.asset(AssetRole.IMAGE_1).quarantined and unsafe.provenance is None
    # A banked still: the simulator's render of this prompt, banked before it is made again.
    prompt = "a harbour crane at noon"
    banked = render_stills(prompt, count=1, aspect_ratio="1:1", seed=SimulatorConfig().seed)[0]
    path = tmp_path / "banked.png"
    path.write_bytes(banked)
    bank = hashbanks.do_create_bank(name="known stills", category="violence", action="block")
    hashbanks.do_add_media(bank, path=path, note="test entry")
    again = create(client, alice_key, kind=IMAGE_GENERATION, prompt=prompt, aspect_ratio="1:1")
    assert again.status_code == 202, again.content
    matched = drive_to_terminal(again.json()["id"])
    assert (matched.status, matched.stage, matched.error_code) == ("blocked", "output", "hash_match")
    assert matched.scan_result["hash_match"]["role"] == "image_1"
    assert_books_balance(team)


# --- end to end: the Kling door ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_creates_queries_and_lists_image_tasks(client, use_simulator, redis_conn, team, alice_key):
    created = kling_post(client, alice_key, {"model_name": "kling-v2-1", "prompt": "two owls on a branch", "n": 2,
                                             "aspect_ratio": "3:4", "external_task_id": "owls-1",
                                             "watermark_info": {"enabled": True}})
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted" and data["task_info"]["external_task_id"] == "owls-1"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == IMAGE_GENERATION and generation.price_credits == 4
    for ident in (data["task_id"], "owls-1"):
        queried = client.get(f"/kling/v1/images/generations/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        images = queried["data"]["task_result"]["images"]
        assert [image["index"] for image in images] == [0, 1] and "videos" not in queried["data"]["task_result"]
        assert all(image["url"] == image["watermark_url"] for image in images)
    fetched = client.get(images[1]["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(fetched.streaming_content))).size == (768, 1024)
    listed = client.get("/kling/v1/images/generations?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [data["task_id"]]
    # An image task is not a video task, and the other way round.
    assert client.get(f"/kling/v1/videos/text2video/{data['task_id']}", **bearer(alice_key)).json()["code"] == 1203


@pytest.mark.django_db
@pytest.mark.parametrize("body, message", [
    ({"prompt": None}, "prompt is required"),
    ({"n": 12}, "n must be a whole number from 1 to 9"),
    ({"aspect_ratio": "2:1"}, "aspect_ratio must be one of"),
    ({"model_name": "kling-v1-6"}, "does not make images"),
    ({"image": "IMAGE"}, "kling-v1 takes no reference image"),
    ({"image_tail": "IMAGE"}, "only used by image2video"),
    ({"resolution": "2k"}, "1K images only"),
    ({"mode": "pro"}, "mode is not used by images/generations"),
    ({"static_mask": "x"}, "static_mask is not supported"),
])
def test_kling_door_refuses_bad_image_requests_with_1201(client, redis_conn, team, alice_key, body, message):
    full = {"prompt": "a lighthouse at dusk", **{name: (b64(image_bytes()) if value == "IMAGE" else value) for name, value in body.items()}}
    response = kling_post(client, alice_key, {name: value for name, value in full.items() if value is not None})
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.filter(kind=IMAGE_GENERATION).exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_submit_and_poll_the_image_route(client, alice_key, provider):
    response = create(client, alice_key, kind=IMAGE_GENERATION, prompt="a paper boat on a pond", model="kling-v2", n=2,
                      image=b64(image_bytes(seed=6)), image_fidelity=0.9)
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.provider_task_id
    assert generation.asset(AssetRole.IMAGE_2) is not None and generation.asset(AssetRole.IMAGE_3) is None


@pytest.mark.e2e
@pytest.mark.django_db
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice):
    """The request shape (pipeline.upstream_payload) against the simulator, through the provider client, and the
    response shapes it reads back: create, query by either id, list; 1301 and 1201 refusals."""
    submitted = validated(model="kling-v1-5", n=2, aspect_ratio="4:3", image=b64(image_bytes()), image_reference="face",
                          image_fidelity=0.6)
    generation = Generation.objects.create(team=team, created_by=alice, kind=IMAGE_GENERATION, prompt=submitted.prompt,
                                           model_name=submitted.model_name, duration="", aspect_ratio=submitted.aspect_ratio,
                                           options=submitted.options)
    generation.assets.create(role=AssetRole.INPUT_IMAGE, file=content("in.png", submitted.image.data),
                             content_type="image/png", size_bytes=len(submitted.image.data), sha256="x")
    payload = pipeline.upstream_payload(generation)
    assert set(payload) == {"model_name", "prompt", "n", "aspect_ratio", "image", "image_reference", "image_fidelity",
                            "external_task_id"}
    assert (payload["n"], payload["image_reference"], payload["image_fidelity"]) == (2, "face", 0.6)
    assert not payload["image"].startswith("data:")

    task = assert_image_task_round_trip(upstream, IMAGE_GENERATION, payload, generation, count=2, other_kind="text2video")
    assert task.raw["task_result"]["images"][1]["index"] == 1

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(IMAGE_GENERATION, {**payload, "prompt": "a nsfw poster", "external_task_id": "other"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(IMAGE_GENERATION, {name: value for name, value in payload.items() if name != "image_reference"})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)
    with pytest.raises(ProviderError) as missing:
        upstream.get_task(IMAGE_GENERATION, "no-such-task")
    assert missing.value.upstream_code == 1203
