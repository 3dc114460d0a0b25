"""The rest of Kling's image family end to end, built on the image-generation kind: outpainting
(/v1/images/editing/expand), omni-image (/v1/images/omni-image, kling-image-o1) and multi-image to image
(/v1/images/multi-image2image). Validation in the catalog and in the simulator, per-image credits, every input
image screened (hash banks, the nudity scan, faces and apparent minors; a face among multi-image2image's images
re-rendered only with consent or a moderator), a real RQ worker, the simulator over loopback HTTP, both doors,
both providers, every still scanned, watermarked and signed, and the contract the provider client speaks."""

import functools
import io
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from generations.actions import consent, hashbanks, review
from generations.catalog import IMAGE_EXPAND, MULTI_IMAGE2IMAGE, OMNI_IMAGE, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem
from generations.moderation.visual import scanning
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator.app import still_renders
from generations.simulator.render_images import expanded_size
from generations.simulator.validation import ApiError, validate_create
from generations.web.generations import remix_url
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import assert_books_balance, constant_score_detector, drive_to_terminal, run_workers
from tests.kinds import support
from tests.kinds.media import b64, image_bytes
from tests.kinds.support import HARMFUL_WORDS, content, create, face_b64

ROUTES = {IMAGE_EXPAND: "images/editing/expand", OMNI_IMAGE: "images/omni-image", MULTI_IMAGE2IMAGE: "images/multi-image2image"}


def picture(seed=0, size=(640, 480)):
    return b64(image_bytes(size=size, seed=seed))


def noise_png(seed):
    """Blocks of noise: nothing like the striped pictures the other inputs are (their perceptual hashes are far apart)."""
    blocks = np.random.default_rng(seed).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(blocks).resize((640, 480), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def real(value):
    """A case's body with each "IMAGE" placeholder replaced by a real picture (in lists and objects too)."""
    if value == "IMAGE":
        return picture()
    if isinstance(value, list):
        return [real(item) for item in value]
    if isinstance(value, dict):
        return {name: real(item) for name, item in value.items()}
    return value


def kling_post(client, key, kind, body):
    return client.post(f"/kling/v1/{ROUTES[kind]}", body, content_type="application/json", **bearer(key))


def validated(kind, **fields):
    data = {"kind": kind, **{name: value for name, value in fields.items() if value is not None}}
    return validate_generation_request(load_media_inputs(data), default_model="kling-v1-6")


# The smallest valid native request of each kind, and the same on the Kling door (its own field names).
NATIVE = {
    IMAGE_EXPAND: lambda: {"image": picture(1), "left_expansion_ratio": 0.5, "right_expansion_ratio": 0.5},
    OMNI_IMAGE: lambda: {"prompt": "<<<image_1>>> as a watercolour", "image_list": [{"image": picture(2)}]},
    MULTI_IMAGE2IMAGE: lambda: {"prompt": "the two toys on a beach", "images": [picture(3), picture(4)]},
}
DOOR = {
    IMAGE_EXPAND: lambda: {"image": picture(1), "up_expansion_ratio": 0.25, "down_expansion_ratio": 0.25},
    OMNI_IMAGE: lambda: {"model_name": "kling-image-o1", "prompt": "<<<image_1>>> as a watercolour",
                         "image_list": [{"image": picture(2)}]},
    MULTI_IMAGE2IMAGE: lambda: {"model_name": "kling-v2", "prompt": "the two toys on a beach",
                                "subject_image_list": [{"subject_image": picture(3)}, {"subject_image": picture(4)}]},
}


# --- validation: the catalog ------------------------------------------------------------------------

def test_valid_expand_omni_image_and_multi_image_requests():
    expand = validated(IMAGE_EXPAND, image=picture(), up_expansion_ratio=0.5, left_expansion_ratio="0.25", n=2)
    assert (expand.model_name, expand.aspect_ratio, expand.duration, expand.prompt) == ("kling-image-expand", "", "", "")
    assert expand.image is not None and expand.options == {
        "n": 2, "up_expansion_ratio": 0.5, "down_expansion_ratio": 0.0, "left_expansion_ratio": 0.25, "right_expansion_ratio": 0.0}
    omni = validated(OMNI_IMAGE, prompt="<<<image_2>>> wearing the hat of <<<image_1>>>", image_list=[
        {"image": picture(1)}, {"image": picture(2)}], n=4, aspect_ratio="3:2")
    assert (omni.model_name, omni.aspect_ratio, omni.options, len(omni.images)) == ("kling-image-o1", "3:2", {"n": 4}, 2)
    assert omni.screened_text == "image 2  wearing the hat of  image 1"  # the references read as words, in place
    assert validated(OMNI_IMAGE, prompt="a red fox").aspect_ratio == "auto"  # no image at all is allowed
    multi = validated(MULTI_IMAGE2IMAGE, images=[picture(1)], scene_image=picture(2), style_image=picture(3), model="kling-v2-1")
    assert (multi.model_name, multi.aspect_ratio, len(multi.images), multi.prompt) == ("kling-v2-1", "16:9", 3, "")
    assert multi.options == {"n": 1, "subjects": 1, "scene_image": True, "style_image": True}


@pytest.mark.parametrize("kind, fields, code, field, words", [
    (IMAGE_EXPAND, {}, "image_required", "image", "image to expand"),
    (IMAGE_EXPAND, {"image": "IMAGE"}, "expansion_required", "up_expansion_ratio", "at least one"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 2.5}, "invalid_expansion_ratio", "up_expansion_ratio", "0 to 2"),
    (IMAGE_EXPAND, {"image": "IMAGE", "left_expansion_ratio": -0.1}, "invalid_expansion_ratio", "left_expansion_ratio", "0 to 2"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1, "left_expansion_ratio": 1}, "expansion_too_large",
     "up_expansion_ratio", "3 times"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1, "n": 10}, "invalid_image_count", "n", "1 to 9"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1, "aspect_ratio": "1:1"}, "field_not_applicable", "aspect_ratio",
     "not used"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1, "model": "kling-v2"}, "model_not_capable", "model", "expand"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1, "prompt": "x" * 2501}, "prompt_too_long", "prompt", "2500"),
    (OMNI_IMAGE, {}, "prompt_required", "prompt", "prompt is required"),
    (OMNI_IMAGE, {"prompt": "a cat", "model": "kling-video-o1"}, "model_not_capable", "model", "kling-image-o1"),
    (OMNI_IMAGE, {"prompt": "<<<image_2>>> in the snow", "image_list": [{"image": "IMAGE"}]}, "reference_not_found",
     "image_list", "<<<image_2>>>"),
    (OMNI_IMAGE, {"prompt": "a dog in the snow", "image_list": [{"image": "IMAGE"}]}, "reference_unused", "image_list",
     "never referred to"),
    (OMNI_IMAGE, {"prompt": "<<<video_1>>> as a still"}, "reference_not_found", "video_list", "<<<video_1>>>"),
    (OMNI_IMAGE, {"prompt": "<<<element_1>>> at sea", "element_list": [{"element_id": -7}]}, "invalid_element_id",
     "element_list", "a positive whole number"),
    (OMNI_IMAGE, {"prompt": "a cat", "aspect_ratio": "5:4"}, "invalid_aspect_ratio", "aspect_ratio", "auto"),
    (OMNI_IMAGE, {"prompt": "a cat", "resolution": "2k"}, "resolution_not_supported", "resolution", "1K"),
    (OMNI_IMAGE, {"prompt": "<<<image_1>>>", "image_list": [{"image": "IMAGE", "type": "first_frame"}]},
     "field_not_applicable", "image_list", "type"),
    (OMNI_IMAGE, {"prompt": "a cat", "negative_prompt": "dogs"}, "field_not_applicable", "negative_prompt", "not used"),
    (MULTI_IMAGE2IMAGE, {"prompt": "a toy"}, "invalid_image_count", "images", "1 to 4 subject images"),
    (MULTI_IMAGE2IMAGE, {"images": ["IMAGE"] * 5}, "invalid_image_count", "images", "At most 4"),
    (MULTI_IMAGE2IMAGE, {"images": ["IMAGE"], "model": "kling-v1-5"}, "model_not_capable", "model", "kling-v2 or kling-v2-1"),
    (MULTI_IMAGE2IMAGE, {"images": ["IMAGE"], "aspect_ratio": "auto"}, "invalid_aspect_ratio", "aspect_ratio", "21:9"),
    (MULTI_IMAGE2IMAGE, {"images": ["IMAGE"], "duration": "5"}, "field_not_applicable", "duration", "not used"),
    (OMNI_IMAGE, {"prompt": "a cat", "scene_image": "IMAGE"}, "field_not_applicable", "scene_image", "multi-image2image"),
])
def test_the_catalog_refuses_bad_image_family_requests(kind, fields, code, field, words):
    with pytest.raises(GenerationError) as caught:
        validated(kind, **{name: real(value) for name, value in fields.items()})
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert words in caught.value.message


def test_each_image_kind_is_priced_per_image_times_n_on_its_own_models():
    assert price_generation(IMAGE_EXPAND, "kling-image-expand", "std", "", images=3) == 9
    assert price_generation(OMNI_IMAGE, "kling-image-o1", "std", "", images=2) == 6
    assert price_generation(MULTI_IMAGE2IMAGE, "kling-v2-1", "std", "", images=4) == 8
    for kind, model in ((OMNI_IMAGE, "kling-v1"), (MULTI_IMAGE2IMAGE, "kling-v1"), (IMAGE_EXPAND, "kling-image-o1")):
        with pytest.raises(ValueError):
            price_generation(kind, model, "std", "", images=1)


# --- validation: the simulator (the upstream's codes and wording) -----------------------------------

@pytest.mark.parametrize("kind, body, code, message", [
    (IMAGE_EXPAND, {}, 1201, "image is required"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 3}, 1201, "up_expansion_ratio must be a number between 0 and 2"),
    (IMAGE_EXPAND, {"image": "IMAGE", "up_expansion_ratio": 1.5, "down_expansion_ratio": 1}, 1201, "the expanded image cannot"),
    (IMAGE_EXPAND, {"image": "IMAGE", "model_name": "kling-v1"}, 1201, "model_name is not supported"),
    (IMAGE_EXPAND, {"image": "IMAGE", "n": 0}, 1201, "n must be an integer between 1 and 9"),
    (IMAGE_EXPAND, {"image": "IMAGE", "prompt": "a nsfw beach"}, 1301, "Trigger the content security"),
    (OMNI_IMAGE, {"prompt": ""}, 1201, "prompt is required"),
    (OMNI_IMAGE, {"prompt": "a cat", "model_name": "kling-v1"}, 1201, "model_name must be one of: kling-image-o1"),
    (OMNI_IMAGE, {"prompt": "<<<image_3>>>", "image_list": [{"image": "IMAGE"}]}, 1201, "<<<image_3>>> in prompt"),
    (OMNI_IMAGE, {"prompt": "a", "image_list": [{"image": "IMAGE"}] * 11}, 1201, "the number of images and elements"),
    (OMNI_IMAGE, {"prompt": "a cat", "aspect_ratio": "5:4"}, 1201, "aspect_ratio must be one of"),
    (OMNI_IMAGE, {"prompt": "<<<image_1>>> naked", "image_list": [{"image": "IMAGE"}]}, 1301, "Trigger the content security"),
    (MULTI_IMAGE2IMAGE, {"prompt": "a toy"}, 1201, "subject_image_list must contain 1 to 4 images"),
    (MULTI_IMAGE2IMAGE, {"subject_image_list": [{"subject_image": "IMAGE"}] * 5}, 1201, "subject_image_list must contain"),
    (MULTI_IMAGE2IMAGE, {"subject_image_list": [{}]}, 1201, "subject_image_list[0].subject_image is required"),
    (MULTI_IMAGE2IMAGE, {"subject_image_list": [{"subject_image": "IMAGE"}], "model_name": "kling-v1"}, 1201,
     "model_name must be one of: kling-v2, kling-v2-1"),
    (MULTI_IMAGE2IMAGE, {"subject_image_list": [{"subject_image": "IMAGE"}], "prompt": "gore"}, 1301, "Trigger the content"),
])
def test_the_simulator_refuses_bad_image_family_requests_as_upstream(kind, body, code, message):
    with pytest.raises(ApiError) as caught:
        validate_create(kind, real(body), fetch=None)
    assert caught.value.code == code and caught.value.message.startswith(message), caught.value.message


def test_the_simulator_renders_each_kind_deterministically_showing_its_inputs():
    expand = validate_create(IMAGE_EXPAND, {"image": picture(size=(600, 400)), "left_expansion_ratio": 0.5,
                                            "right_expansion_ratio": 0.5, "n": 2}, fetch=None)
    stills = still_renders(expand, 0)
    assert stills == still_renders(expand, 0) and len(set(stills)) == 2
    size, (left, top, width, height) = expanded_size((600, 400), (0, 0, 0.5, 0.5))
    assert size == (1024, 341) and (left, top, width, height) == (256, 0, 512, 341)
    # The original sits unchanged in the middle; the new sides are the model's.
    image = Image.open(io.BytesIO(stills[0])).convert("RGB")
    original = Image.open(io.BytesIO(image_bytes(size=(600, 400)))).convert("RGB").resize((512, 341), Image.Resampling.LANCZOS)
    assert image.size == size
    assert all(image.getpixel((left + x, y)) == original.getpixel((x, y)) for x, y in ((256, 300), (20, 20), (500, 330)))
    omni = validate_create(OMNI_IMAGE, {"prompt": "<<<image_1>>> and <<<image_2>>>", "image_list": [
        {"image": picture(1, (400, 600))}, {"image": picture(2)}]}, fetch=None)
    assert Image.open(io.BytesIO(still_renders(omni, 0)[0])).size == (683, 1024)  # auto: the first image's shape (2:3)
    multi = validate_create(MULTI_IMAGE2IMAGE, {"subject_image_list": [{"subject_image": picture(3)}], "aspect_ratio": "1:1",
                                                "scene_image": picture(5), "n": 3}, fetch=None)
    made = still_renders(multi, 0)
    assert len(set(made)) == 3 and {Image.open(io.BytesIO(still)).size for still in made} == {(1024, 1024)}


# --- end to end: the native API, each kind ------------------------------------------------------------

def _assert_marked_stills(client, key, made, count, size=None):
    summary = client.get(f"/api/v1/generations/{made.public_id}", **bearer(key)).json()
    assert summary["video_url"] is None and summary["provenance"]["credentials"] and summary["provenance"]["watermark"]
    assert [image["index"] for image in summary["images"]] == list(range(count))
    pngs = [b"".join(client.get(image["url"], **bearer(key)).streaming_content) for image in summary["images"]]
    assert all(png.startswith(b"\x89PNG") for png in pngs) and len(set(pngs)) == count
    if size:
        assert Image.open(io.BytesIO(pngs[0])).size == size
    assert made.scan_result["verdict"] == "allow" and len(made.scan_result["checks"]["images"]) == count


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_expands_an_image_into_n_marked_stills(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=IMAGE_EXPAND, image=picture(1, (600, 400)), up_expansion_ratio=0.25,
                      down_expansion_ratio=0.25, prompt="more of the meadow", n=2)
    assert response.status_code == 202, response.content
    assert (response.json()["kind"], response.json()["model"]) == ("images/editing/expand", "kling-image-expand")
    made = drive_to_terminal(response.json()["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.price_credits == 6 and made.credit_state == "captured"
    assert made.asset(AssetRole.INPUT_IMAGE) is not None and made.screening_result["input_scan"]["verdict"] == "allow"
    _assert_marked_stills(client, alice_key, made, 2, size=(1024, 1024))  # 600×(400×1.5): square, at 1K
    assert made.provenance["edited"] is True  # its credentials name the image it grew from as their ingredient
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_makes_omni_images_from_referenced_images(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=OMNI_IMAGE, prompt="<<<image_1>>> wearing the scarf of <<<image_2>>>",
                      image_list=[{"image": picture(1)}, {"image": picture(2)}], n=3, aspect_ratio="4:3")
    assert response.status_code == 202, response.content
    made = drive_to_terminal(response.json()["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.price_credits == 9 and made.asset(AssetRole.INPUT_IMAGE_2) is not None
    _assert_marked_stills(client, alice_key, made, 3, size=(1024, 768))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_puts_subjects_into_a_scene_and_a_style(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=MULTI_IMAGE2IMAGE, prompt="the toys at a picnic", images=[picture(1), picture(2)],
                      scene_image=picture(3), style_image=picture(4), aspect_ratio="1:1", model="kling-v2-1")
    assert response.status_code == 202, response.content
    made = drive_to_terminal(response.json()["id"])
    assert made.status == "succeeded", (made.error_code, made.error_message)
    assert made.options == {"n": 1, "subjects": 2, "scene_image": True, "style_image": True}
    assert all(made.asset(role) is not None for role in (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_2,
                                                         AssetRole.INPUT_IMAGE_3, AssetRole.INPUT_IMAGE_4))
    _assert_marked_stills(client, alice_key, made, 1, size=(1024, 1024))


# --- screening: refusals, every input image ---------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE])
def test_a_harmful_prompt_is_1301_on_the_door_and_policy_violation_natively_with_nothing_charged(
    client, use_simulator, redis_conn, team, alice_key, kind
):
    before = team.refresh_from_db() or team.credits_available
    harmful = HARMFUL_WORDS + (" <<<image_1>>>" if kind == OMNI_IMAGE else "")
    native = create(client, alice_key, kind=kind, **{**NATIVE[kind](), "prompt": harmful})
    door = kling_post(client, alice_key, kind, {**DOOR[kind](), "prompt": harmful})
    support.assert_blocked_on_both_doors(native, door, Generation.objects.filter(kind=kind), team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_input_image_goes_through_the_hash_banks_and_the_nudity_scan(
    client, use_simulator, redis_conn, team, alice_key, monkeypatch, tmp_path
):
    banned = noise_png(seed=9)
    before = team.refresh_from_db() or team.credits_available
    bank = hashbanks.do_create_bank(name="known", category="sexual", action="block")
    path = tmp_path / "banned.png"
    path.write_bytes(banned)
    hashbanks.do_add_media(bank, path=path, note="test entry")
    # The banned image last among each kind's images: the third reference, the style image, the image to expand.
    omni = create(client, alice_key, kind=OMNI_IMAGE, prompt="<<<image_1>>>, <<<image_2>>> and <<<image_3>>>",
                  image_list=[{"image": picture(1)}, {"image": picture(2)}, {"image": b64(banned)}])
    multi = kling_post(client, alice_key, MULTI_IMAGE2IMAGE, {**DOOR[MULTI_IMAGE2IMAGE](), "style_image": b64(banned)})
    expand = create(client, alice_key, kind=IMAGE_EXPAND, image=b64(banned), up_expansion_ratio=0.5)
    assert omni.status_code == 422 and multi.json()["code"] == 1301 and expand.status_code == 422, (omni.content, multi.content)
    matched = Generation.objects.order_by("pk")
    assert [(g.kind, g.status, g.error_code, g.screening_result["hash_match"]["role"]) for g in matched] == [
        (OMNI_IMAGE, "blocked", "hash_match", "input_image_3"),
        (MULTI_IMAGE2IMAGE, "blocked", "hash_match", "input_image_3"),
        (IMAGE_EXPAND, "blocked", "hash_match", "input_image"),
    ]
    with monkeypatch.context() as patched:
        patched.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)]))
        scanned = create(client, alice_key, kind=MULTI_IMAGE2IMAGE, **NATIVE[MULTI_IMAGE2IMAGE]())
    assert scanned.status_code == 422 and scanned.json()["error"]["stage"] == "input", scanned.content
    assert Generation.objects.order_by("-pk").first().error_code == "input_blocked"
    support.assert_never_sent_and_nothing_charged(Generation.objects.all(), team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_faces_are_found_in_every_image_and_re_rendering_a_person_needs_consent(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    # omni-image: a face in its second reference is found (and the age check can see it); references alone
    # re-render no one, as omni-video's do not.
    omni = create(client, alice_key, kind=OMNI_IMAGE, prompt="<<<image_1>>> behind <<<image_2>>>",
                  image_list=[{"image": picture(1)}, {"image": face_b64()}])
    assert omni.status_code == 202 and omni.json()["status"] == "queued", omni.content
    likeness = Generation.objects.get(public_id=omni.json()["id"]).screening_result["likeness"]
    assert likeness["inputs_with_faces"] == ["images[1]"] and likeness["decision"] == "allow"
    # multi-image2image puts the pictured person somewhere new: held for a moderator, unless consent is recorded.
    body = {"kind": MULTI_IMAGE2IMAGE, "prompt": "this woman at a picnic", "images": [picture(1), face_b64()]}
    held = create(client, alice_key, **body)
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    generation = Generation.objects.get(public_id=held.json()["id"])
    assert generation.screening_result["likeness"]["reanimation"] == "subject_rerender"
    assert ReviewItem.objects.get(generation=generation).categories == {"deepfake": 0.6}
    record = consent.do_record_consent(team=team, user=alice, subject_name="Grace Hopper",
                                       statement="Signed likeness release for new pictures, 2026-12-01")
    allowed = create(client, alice_key, **body, consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    assert drive_to_terminal(allowed.json()["id"]).status == "succeeded"
    faked = create(client, alice_key, kind=IMAGE_EXPAND, image=face_b64(), up_expansion_ratio=0.5,
                   prompt="this woman naked in bed, make it look like a real leaked photo")
    assert faked.status_code == 422 and faked.json()["error"]["code"] == "policy_violation", faked.content


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_apparent_minor_is_not_put_into_a_new_picture_even_with_consent(client, use_simulator, redis_conn, team, alice,
                                                                          alice_key, faces_read_as_children):
    before = team.refresh_from_db() or team.credits_available
    record = consent.do_record_consent(team=team, user=alice, subject_name="A child", statement="A parent signed")
    refused = create(client, alice_key, kind=MULTI_IMAGE2IMAGE, prompt="at the seaside", images=[picture(1)],
                     scene_image=face_b64(), consent_id=str(record.public_id))
    assert refused.status_code == 422, refused.content
    blocked = Generation.objects.filter(kind=MULTI_IMAGE2IMAGE)
    assert [(g.status, g.error_code) for g in blocked] == [("blocked", "apparent_minor")]
    assert "into a new picture" in blocked[0].screening_result["input_scan"]["apparent_minor"]["reason"]
    support.assert_never_sent_and_nothing_charged(blocked, team, before)


# --- the output scan holds a still ------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_borderline_expanded_still_is_held_for_a_moderator_and_released(client, use_simulator, redis_conn, team, alice_key,
                                                                          monkeypatch):
    response = create(client, alice_key, kind=IMAGE_EXPAND, image=picture(2), right_expansion_ratio=1.0, n=2)
    assert response.status_code == 202, response.content
    monkeypatch.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)]))
    run_workers(max_rounds=50)
    held = Generation.objects.get(public_id=response.json()["id"])
    assert (held.status, held.stage) == ("held", "output"), (held.error_code, held.error_message)
    assert held.asset(AssetRole.IMAGE_1).quarantined and held.asset(AssetRole.BLURRED_POSTER) is not None
    task = client.get(f"/kling/v1/images/editing/expand/{held.public_id}", **bearer(alice_key)).json()["data"]
    assert task["task_status"] == "processing" and task["task_result"] == {"images": []}
    assert client.get(f"/api/v1/generations/{held.public_id}/images/0", **bearer(alice_key)).status_code == 404

    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    item = ReviewItem.objects.get(generation=held, stage="output")
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert 'alt="Result image 1, blurred"' in page and 'alt="Result image 2, blurred"' in page
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.APPROVE, reason="a meadow", expected_version=item.version)
    held.refresh_from_db()
    assert held.status == "succeeded" and held.credit_state == "captured"
    assert_books_balance(team)


# --- end to end: the Kling door ---------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE])
def test_kling_door_creates_queries_and_lists_each_image_route(client, use_simulator, redis_conn, team, alice_key, kind):
    created = kling_post(client, alice_key, kind, {**DOOR[kind](), "n": 2, "external_task_id": f"mine-{kind[-6:]}",
                                                   "watermark_info": {"enabled": True}})
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == kind, (generation.error_code, generation.error_message)
    for ident in (data["task_id"], f"mine-{kind[-6:]}"):
        queried = client.get(f"/kling/v1/{ROUTES[kind]}/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        images = queried["data"]["task_result"]["images"]
        assert [image["index"] for image in images] == [0, 1] and all(image["watermark_url"] == image["url"] for image in images)
    fetched = client.get(images[1]["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"
    listed = client.get(f"/kling/v1/{ROUTES[kind]}?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert [task["task_id"] for task in listed["data"]] == [data["task_id"]]
    assert client.get(f"/kling/v1/images/generations/{data['task_id']}", **bearer(alice_key)).json()["code"] == 1203


@pytest.mark.django_db
@pytest.mark.parametrize("kind, change, message", [
    (IMAGE_EXPAND, {"image": None}, "image to expand"),
    (IMAGE_EXPAND, {"up_expansion_ratio": 1.5, "down_expansion_ratio": 1.5}, "3 times"),
    (IMAGE_EXPAND, {"model_name": "kling-v1"}, "does not do images/editing/expand"),
    (IMAGE_EXPAND, {"image_tail": "IMAGE"}, "only used by image2video"),
    (OMNI_IMAGE, {"prompt": "a dog"}, "never referred to"),
    (OMNI_IMAGE, {"image_list": "nope"}, "image_list must be a list"),
    (OMNI_IMAGE, {"n": 12}, "n must be a whole number from 1 to 9"),
    (OMNI_IMAGE, {"image": "IMAGE"}, "only used by image2video"),
    (MULTI_IMAGE2IMAGE, {"subject_image_list": []}, "1 to 4 subject images"),
    (MULTI_IMAGE2IMAGE, {"model_name": "kling-v1"}, "kling-v2 or kling-v2-1"),
    (MULTI_IMAGE2IMAGE, {"mode": "pro"}, "mode is not used by images/multi-image2image"),
])
def test_kling_door_refuses_bad_image_family_requests_with_1201(client, redis_conn, team, alice_key, kind, change, message):
    body = {**DOOR[kind](), **real(change)}
    response = kling_post(client, alice_key, kind, {name: value for name, value in body.items() if value is not None})
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_submit_and_poll_every_image_route(client, alice_key, provider):
    for kind in (IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE):
        response = create(client, alice_key, kind=kind, **NATIVE[kind](), n=2)
        assert response.status_code == 202, response.content
        generation = drive_to_terminal(response.json()["id"])
        assert generation.status == "succeeded", (kind, generation.error_code, generation.error_message)
        assert generation.provider == provider and generation.provider_task_id
        assert generation.asset(AssetRole.IMAGE_2) is not None and generation.asset(AssetRole.IMAGE_3) is None


def _generation_of(team, alice, request):
    generation = Generation.objects.create(team=team, created_by=alice, kind=request.kind, prompt=request.prompt,
                                           model_name=request.model_name, duration="", aspect_ratio=request.aspect_ratio,
                                           options=request.options)
    for role, image in zip((AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_2, AssetRole.INPUT_IMAGE_3, AssetRole.INPUT_IMAGE_4),
                           request.input_images, strict=False):
        generation.assets.create(role=role, file=content("in.png", image.data), content_type="image/png",
                                 size_bytes=len(image.data), sha256="x")
    return generation


CONTRACT = {
    IMAGE_EXPAND: ({"image": picture(1), "up_expansion_ratio": 0.5, "right_expansion_ratio": 0.2, "prompt": "sky", "n": 2},
                   {"image", "up_expansion_ratio", "down_expansion_ratio", "left_expansion_ratio", "right_expansion_ratio",
                    "prompt", "n", "external_task_id"}),
    OMNI_IMAGE: ({"prompt": "<<<image_2>>> beside <<<image_1>>>", "image_list": [{"image": picture(1)}, {"image": picture(2)}],
                  "n": 2, "aspect_ratio": "9:16"},
                 {"model_name", "prompt", "image_list", "n", "aspect_ratio", "external_task_id"}),
    MULTI_IMAGE2IMAGE: ({"images": [picture(1), picture(2)], "style_image": picture(3), "n": 2},
                        {"model_name", "subject_image_list", "style_image", "n", "aspect_ratio", "external_task_id"}),
}


@pytest.mark.e2e
@pytest.mark.django_db
@pytest.mark.parametrize("kind", [IMAGE_EXPAND, OMNI_IMAGE, MULTI_IMAGE2IMAGE])
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice, kind):
    """The request shape (pipeline.upstream_payload) against the simulator, through the provider client, and the
    response shapes it reads back: create, query by either id, list; 1301 and 1201 refusals, and an unknown task."""
    fields, keys = CONTRACT[kind]
    generation = _generation_of(team, alice, validated(kind, **fields))
    payload = pipeline.upstream_payload(generation)
    assert set(payload) == keys
    images = [value for name, value in payload.items() if name in ("image", "style_image")]
    images += [entry["image"] for entry in payload.get("image_list", [])]
    images += [entry["subject_image"] for entry in payload.get("subject_image_list", [])]
    assert len(images) == len(fields.get("images", [])) + len(fields.get("image_list", [])) + ("image" in fields) + (
        "style_image" in fields)
    assert not any(image.startswith("data:") for image in images)

    support.assert_image_task_round_trip(upstream, kind, payload, generation, count=2, other_kind="images/generations")

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(kind, {**payload, "prompt": "a nsfw poster <<<image_1>>> <<<image_2>>>", "external_task_id": "x"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(kind, {**payload, "n": 10, "external_task_id": "y"})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)
    with pytest.raises(ProviderError) as missing:
        upstream.get_task(kind, "no-such-task")
    assert missing.value.upstream_code == 1203


# --- the portal's pages --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_portal_pages_submit_omni_and_subject_images_and_show_what_they_were_made_of(client, redis_conn, team, alice):
    def upload(name, seed):
        return SimpleUploadedFile(name, image_bytes(seed=seed), content_type="image/png")

    client.force_login(alice)
    for path, title in (("still/omni/", "Omni image"), ("still/subjects/", "Subjects in a scene"),
                        ("still/expand/", "Expand an image")):
        page = client.get(f"/generations/new/{path}")
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.content.decode()
    # An image the prompt does not name is refused on that image's field, in plain words.
    refused = client.post("/generations/new/still/omni/", {"prompt": "<<<image_1>>> at sea", "n": 1, "aspect_ratio": "auto",
                                                           "model": "kling-image-o1", "image": upload("a.png", 1),
                                                           "image_2": upload("b.png", 2)})
    assert refused.status_code == 400 and 'data-code="reference_unused"' in refused.content.decode()
    made = client.post("/generations/new/still/omni/", {"prompt": "<<<image_1>>> and <<<image_2>>> at sea", "n": 2,
                                                        "aspect_ratio": "auto", "model": "kling-image-o1",
                                                        "image": upload("a.png", 1), "image_2": upload("b.png", 2)})
    assert made.status_code == 302, made.content.decode()[:2000]
    omni = Generation.objects.get(kind=OMNI_IMAGE)
    assert (omni.options, omni.aspect_ratio, omni.price_credits) == ({"n": 2}, "auto", 6)
    made = client.post("/generations/new/still/subjects/", {"prompt": "", "n": 1, "aspect_ratio": "1:1", "model": "kling-v2",
                                                            "image": upload("toy.png", 3), "style_image": upload("s.png", 4)})
    assert made.status_code == 302, made.content.decode()[:2000]
    multi = Generation.objects.get(kind=MULTI_IMAGE2IMAGE)
    assert multi.options == {"n": 1, "subjects": 1, "style_image": True} and multi.asset(AssetRole.INPUT_IMAGE_2) is not None
    detail = client.get(made["Location"]).content.decode()
    assert "1 subject · a style" in detail and 'alt="Input image 2"' in detail and "Duration" not in detail


@pytest.mark.django_db
def test_a_remix_of_each_image_kind_opens_its_own_page_with_its_settings(team, alice):
    expand = Generation.objects.create(team=team, created_by=alice, kind=IMAGE_EXPAND, prompt="sky", model_name="kling-image-expand",
                                       duration="", aspect_ratio="", options={"n": 2, "up_expansion_ratio": 0.5})
    url = urlsplit(remix_url(expand))
    assert url.path == "/generations/new/still/expand/"
    assert parse_qs(url.query) == {"remix_of": [str(expand.public_id)], "prompt": ["sky"], "model": ["kling-image-expand"],
                                   "n": ["2"], "up_expansion_ratio": ["0.5"]}
    multi = Generation.objects.create(team=team, created_by=alice, kind=MULTI_IMAGE2IMAGE, prompt="", model_name="kling-v2",
                                      duration="", aspect_ratio="1:1", options={"n": 1, "subjects": 1})
    assert urlsplit(remix_url(multi)).path == "/generations/new/still/subjects/"
