"""Until a category is covered by a frame detector, an output whose prompt scored it in the review band is held
for a person: the pure rule (a table), the coverage report, and the rule applied in the worker."""

import json

import pytest

from accounts.models import User
from generations.models import Generation, ReviewItem
from generations.moderation.visual import aggregate, coverage
from tests.conftest import bearer
from tests.helpers import run_workers
from tests.moderation.test_extra_detectors import entry_for, red_model_bytes

THRESHOLDS = {"sexual": {"review": 0.4, "block": 0.7}, "violence": {"review": 0.4, "block": 0.7},
              "self_harm": {"review": 0.4, "block": 0.65}, "political": {"review": 0.4, "block": 1.01}}


@pytest.mark.parametrize(
    "scores, covered, expected",
    [
        ({}, {"sexual"}, {}),
        ({"violence": 0.39}, {"sexual"}, {}),  # below the review band
        ({"violence": 0.4}, {"sexual"}, {"violence": 0.4}),  # in the band, nobody looks at frames for it
        ({"violence": 0.55}, {"sexual", "violence"}, {}),  # covered: the frame scan decides
        ({"sexual": 0.5}, {"sexual"}, {}),
        ({"self_harm": 0.45, "violence": 0.6}, {"sexual"}, {"self_harm": 0.45, "violence": 0.6}),
        ({"political": 0.9}, {"sexual"}, {}),  # not a visual harm
        ({"deepfake": 0.9}, {"sexual"}, {}),  # judged on the inputs (likeness rules)
        ({"illegal": 0.41}, set(), {"illegal": 0.41}),  # no threshold recorded: the default 0.4
    ],
)
def test_uncovered_prompt_categories_table(scores, covered, expected):
    assert aggregate.uncovered_prompt_categories(scores, THRESHOLDS, frozenset(covered)) == expected


@pytest.mark.parametrize(
    "verdict, uncovered, after, says",
    [
        ("allow", {}, "allow", ""),
        ("allow", {"violence": 0.5}, "review", "violence 0.50"),
        ("review", {"violence": 0.5}, "review", ""),  # already withheld
        ("block", {"violence": 0.5}, "block", ""),
    ],
)
def test_coverage_hold_table(verdict, uncovered, after, says):
    level, reason = aggregate.coverage_hold(verdict, uncovered)
    assert level == after and (says in reason if says else reason == "")
    if reason:
        assert "no installed frame detector" in reason


def test_covered_by_needs_a_sexual_detector_and_the_estimator_for_sexual_minors():
    assert coverage.covered_by({"open_nsfw": ("sexual",)}, estimator_ok=True) == {
        "sexual": ["open_nsfw"], "sexual_minors": ["open_nsfw", "age estimator"]}
    assert "sexual_minors" not in coverage.covered_by({"open_nsfw": ("sexual",)}, estimator_ok=False)
    assert "sexual_minors" not in coverage.covered_by({"onnx:gore": ("violence",)}, estimator_ok=True)
    assert coverage.covered_in_scan({"open_nsfw": {"sexual": [0.45, 0.8]}, "onnx:gore": {"violence": [0.5, 0.9]}},
                                    estimator_ok=False) == {"sexual", "violence"}


def test_the_default_install_covers_sexual_only(settings):
    settings.SCAN_EXTRA_MODELS = ""
    report = coverage.coverage_report()
    assert set(report["covered"]) <= {"sexual", "sexual_minors"} and "sexual" in report["covered"]
    assert {"violence", "self_harm", "illegal"} <= set(report["uncovered"])


def _submit(client, key):
    response = client.post("/api/v1/generations", {"prompt": "A paper boat drifting down a rainy street", "model": "kling-v1-6"},
                           content_type="application/json", **bearer(key))
    assert response.status_code == 202 and response.json()["status"] == "queued", response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    # As if a moderator had released a prompt screening held for violence (0.52, review band 0.40–0.70).
    result = dict(generation.screening_result)
    result["categories"] = {**result.get("categories", {}), "violence": 0.52}
    Generation.objects.filter(pk=generation.pk).update(screening_result=result)
    return generation.public_id


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_uncovered_category_holds_the_output_for_a_person(client, use_simulator, redis_conn, alice_key):
    public_id = _submit(client, alice_key)
    run_workers(max_rounds=50)
    generation = Generation.objects.get(public_id=public_id)
    assert generation.status == "held" and generation.stage == "output", (generation.status, generation.error_message)
    uncovered = generation.scan_result["checks"]["uncovered"]
    assert uncovered["categories"] == {"violence": 0.52} and "no installed frame detector" in uncovered["reason"]
    item = ReviewItem.objects.get(generation=generation)
    assert item.categories == {"violence": 0.52} and item.stage == "output"
    assert all(asset.quarantined for asset in generation.assets.filter(role__in=("video", "poster")))
    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert "Why the finished clip waits" in page and "no installed frame detector" in page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_once_a_detector_covers_it_the_frame_scan_decides(client, use_simulator, redis_conn, alice_key, settings, tmp_path):
    public_id = _submit(client, alice_key)
    path = tmp_path / "redness.onnx"
    path.write_bytes(red_model_bytes())
    settings.SCAN_EXTRA_MODELS = json.dumps([entry_for(path)])
    run_workers(max_rounds=50)
    generation = Generation.objects.get(public_id=public_id)
    assert generation.status == "succeeded", (generation.status, generation.error_message)
    assert "uncovered" not in generation.scan_result.get("checks", {})


@pytest.mark.django_db
def test_the_dashboard_says_what_is_covered(client, settings, tmp_path):
    from accounts.models import User

    moderator = User.objects.create_user("mo-coverage@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(moderator)
    settings.SCAN_EXTRA_MODELS = ""
    page = client.get("/moderation/").content.decode()
    assert "What the output scan can see" in page and "open_nsfw" in page
    assert "Not covered: <strong>" in page and "violence" in page
    path = tmp_path / "redness.onnx"
    path.write_bytes(red_model_bytes())
    settings.SCAN_EXTRA_MODELS = json.dumps([entry_for(path, sha256="e" * 64)])
    page = client.get("/moderation/").content.decode()
    assert "onnx:redness: model file does not match its pinned sha256" in page
