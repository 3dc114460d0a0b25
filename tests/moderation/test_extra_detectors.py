"""SCAN_EXTRA_MODELS: operator-supplied ONNX classifiers, end to end.

The model is one the test builds with onnx's helper API: it scores "violence" high when a frame is mostly
red (the mean of red minus half of green and blue, through a steep sigmoid). A clip the simulator renders
from a mostly red image2video input is then held (review band) or blocked (block band) through the real
pipeline, with the deciding frames' timestamps as evidence; a missing or altered model file fails closed."""

import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image, ImageDraw

from generations.models import Generation
from generations.moderation.visual import coverage, detectors, extra_models, scanning
from generations.moderation.visual.errors import DetectorUnavailable
from tests.conftest import bearer
from tests.helpers import run_workers

onnx = pytest.importorskip("onnx")
SIDE = 32


def red_model_bytes() -> bytes:
    """pixels [N, 3, 32, 32] in 0–1 → violence [N, 1] = sigmoid(20 · (mean R − (mean G + mean B) / 2 − 0.5))."""
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("ReduceMean", ["pixels"], ["channel_means"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["channel_means", "weights"], ["redness"]),
        helper.make_node("Sub", ["redness", "half"], ["centred"]),
        helper.make_node("Mul", ["centred", "steep"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["violence"]),
    ]
    initializers = [
        helper.make_tensor("weights", TensorProto.FLOAT, [3, 1], [1.0, -0.5, -0.5]),
        helper.make_tensor("half", TensorProto.FLOAT, [1], [0.5]),
        helper.make_tensor("steep", TensorProto.FLOAT, [1], [20.0]),
    ]
    graph = helper.make_graph(
        nodes, "redness",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("violence", TensorProto.FLOAT, ["N", 1])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="studio-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


@pytest.fixture
def red_model(tmp_path):
    path = tmp_path / "redness.onnx"
    path.write_bytes(red_model_bytes())
    return path


def entry_for(path, *, review=0.5, block=0.9, sha256=None, name="redness"):
    return {
        "name": name, "path": str(path), "sha256": sha256 or extra_models.sha256_of(path),
        "labels": {"0": "violence"}, "input_size": [SIDE, SIDE], "scale": 1 / 255,
        "thresholds": {"violence": [review, block]},
    }


def picture(colour, size=(640, 480)) -> Image.Image:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    # Some structure, so the simulator's zoom and the cut detector have edges to work with.
    for x in range(0, size[0], 80):
        draw.rectangle((x, size[1] // 3, x + 20, size[1] // 3 + 30), fill=(min(255, colour[0] + 20), colour[1], colour[2]))
    return image


def png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- the specification and the model file ------------------------------------------------------------------


def test_specs_are_read_from_json_or_a_file_and_refuse_what_is_incomplete(tmp_path, red_model):
    entry = entry_for(red_model)
    (spec,) = extra_models.load_specs(json.dumps([entry]))
    assert spec.detector_name == "onnx:redness" and spec.categories == ("violence",)
    listing = tmp_path / "models.json"
    listing.write_text(json.dumps([entry]))
    assert extra_models.load_specs(str(listing)) == (spec,)
    assert extra_models.load_specs("") == ()
    for broken, words in [
        ({**entry, "sha256": "abc"}, "64 hex"),
        ({**entry, "thresholds": {}}, "no thresholds for violence"),
        ({**entry, "labels": {}}, "no label"),
        ({**entry, "activation": "relu"}, "activation"),
        ({**entry, "thresholds": {"violence": [0.9, 0.5]}}, "review ≤ block"),
    ]:
        with pytest.raises(extra_models.ExtraModelError, match=words):
            extra_models.load_specs([broken])
    with pytest.raises(extra_models.ExtraModelError, match="cannot read"):
        extra_models.load_specs(str(tmp_path / "absent.json"))


def test_the_model_scores_red_frames_and_only_those(red_model):
    detector = extra_models.ExtraOnnxDetector(extra_models.parse_spec(entry_for(red_model)))
    assert detector.label.startswith("onnx:redness@redness.sha256.")
    red, grey, blue = detector.score_frames([picture((220, 20, 20)), picture((128, 128, 128)), picture((20, 20, 220))])
    assert red.scores["violence"] > 0.99 and grey.scores["violence"] < 0.01 and blue.scores["violence"] < 0.01
    # More frames than a batch: every one scored, in order.
    many = detector.score_frames([picture((220, 20, 20)), picture((90, 90, 90))] * 9)
    assert [round(score.scores["violence"]) for score in many] == [1, 0] * 9


def test_scan_image_uses_the_per_category_thresholds(red_model):
    detector = extra_models.ExtraOnnxDetector(extra_models.parse_spec(entry_for(red_model)))
    blocked = scanning.scan_image(png(picture((230, 10, 10))), detectors=[detector])
    assert blocked.verdict == scanning.BLOCK and blocked.categories["violence"]["detector"] == "onnx:redness"
    assert scanning.scan_image(png(picture((100, 120, 140))), detectors=[detector]).verdict == scanning.ALLOW
    held = scanning.scan_image(png(picture((230, 10, 10))), detectors=[detector], thresholds={"onnx:redness": {"violence": (0.5, 1.0)}})
    assert held.verdict == scanning.REVIEW


def test_a_missing_or_altered_model_refuses_to_load_and_the_scan_fails_closed(tmp_path, red_model, settings):
    wrong = entry_for(red_model, sha256="0" * 64)
    with pytest.raises(DetectorUnavailable, match="not the pinned"):
        extra_models.ExtraOnnxDetector(extra_models.parse_spec(wrong))
    with pytest.raises(DetectorUnavailable, match="not found"):
        extra_models.ExtraOnnxDetector(extra_models.parse_spec(entry_for(red_model) | {"path": str(tmp_path / "gone.onnx")}))
    settings.SCAN_EXTRA_MODELS = json.dumps([wrong])
    with pytest.raises(DetectorUnavailable):
        detectors.active_detectors()
    with pytest.raises(DetectorUnavailable):
        scanning.scan_image(png(picture((128, 128, 128))))
    report = coverage.coverage_report()
    assert "violence" in report["uncovered"]
    assert any(s["detector"] == "onnx:redness" and not s["ready"] and "sha256" in s["note"] for s in report["sources"])


def test_install_detector_checks_the_hash_copies_and_prints_the_entry(tmp_path, red_model, settings, capsys):
    settings.SCAN_DETECTORS_DIR = tmp_path / "detectors"
    digest = extra_models.sha256_of(red_model)
    with pytest.raises(CommandError, match="not installed"):
        call_command("install_detector", str(red_model), "--sha256", "1" * 64, "--labels", "0=violence")
    assert not (tmp_path / "detectors").exists() or not any((tmp_path / "detectors").iterdir())
    call_command("install_detector", str(red_model), "--sha256", digest, "--labels", "0=violence", "--input-size", "32",
                 "--thresholds", "violence=0.5,0.9")
    entry = json.loads(capsys.readouterr().out)
    assert entry["sha256"] == digest and entry["thresholds"] == {"violence": [0.5, 0.9]}
    assert extra_models.sha256_of(entry["path"]) == digest and entry["path"].startswith(str(tmp_path / "detectors"))
    (spec,) = extra_models.load_specs([entry])
    assert extra_models.ExtraOnnxDetector(spec).score_frames([picture((240, 0, 0))])[0].scores["violence"] > 0.99


def test_coverage_names_what_each_detector_covers(red_model, settings):
    settings.SCAN_EXTRA_MODELS = ""
    report = coverage.coverage_report()
    assert "open_nsfw" in report["covered"]["sexual"]
    assert "violence" in report["uncovered"] and "self_harm" in report["uncovered"]
    settings.SCAN_EXTRA_MODELS = json.dumps([entry_for(red_model)])
    report = coverage.coverage_report()
    assert report["covered"]["violence"] == ["onnx:redness"] and "violence" not in report["uncovered"]


# --- through the real pipeline ----------------------------------------------------------------------------


def _render_red_clip(client, key, settings, model_path, *, review, block):
    response = client.post(
        "/api/v1/generations",
        {"kind": "image2video", "prompt": "A slow push in on a painted wall", "model": "kling-v1-6",
         "image": __import__("base64").b64encode(png(picture((225, 15, 15)))).decode()},
        content_type="application/json", **bearer(key),
    )
    assert response.status_code == 202, response.content
    # The operator installs the model while the clip renders: the output scan uses it.
    settings.SCAN_EXTRA_MODELS = json.dumps([entry_for(model_path, review=review, block=block)])
    run_workers(max_rounds=50)
    return Generation.objects.get(public_id=response.json()["id"])


def _violence_evidence(generation):
    scan = generation.scan_result
    deciding = [frame for frame in scan["deciding_frames"] if frame["category"] == "violence"]
    assert deciding and all(frame["detector"] == "onnx:redness" for frame in deciding)
    assert all(0.0 <= frame["t"] <= scan["duration_s"] for frame in deciding)
    assert any(name.startswith("onnx:redness@") for name in scan["detectors"])
    assert scan["thresholds"]["onnx:redness"]["violence"]
    return deciding


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_red_clip_is_blocked_in_the_block_band(client, use_simulator, redis_conn, alice_key, settings, red_model):
    generation = _render_red_clip(client, alice_key, settings, red_model, review=0.5, block=0.9)
    assert generation.status == "blocked" and generation.stage == "output", (generation.error_code, generation.error_message)
    assert "violence" in generation.error_message
    assert generation.scan_result["categories"]["violence"] >= 0.9
    deciding = _violence_evidence(generation)
    assert {frame["reason"] for frame in deciding} <= {"persistent", "single_frame"}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_red_clip_is_held_in_the_review_band(client, use_simulator, redis_conn, alice_key, settings, red_model):
    generation = _render_red_clip(client, alice_key, settings, red_model, review=0.5, block=1.0)
    generation = Generation.objects.get(pk=generation.pk)
    assert generation.status == "held" and generation.stage == "output", (generation.error_code, generation.error_message)
    _violence_evidence(generation)
    item = generation.review_items.get()
    assert "violence" in item.categories


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broken_setting", [False, True])
def test_an_altered_model_file_makes_the_generation_wait(client, use_simulator, redis_conn, alice_key, settings, red_model,
                                                        broken_setting):
    response = client.post(
        "/api/v1/generations",
        {"kind": "image2video", "prompt": "A slow push in on a painted wall", "model": "kling-v1-6",
         "image": __import__("base64").b64encode(png(picture((40, 90, 160)))).decode()},
        content_type="application/json", **bearer(alice_key),
    )
    assert response.status_code == 202
    settings.SCAN_EXTRA_MODELS = json.dumps([entry_for(red_model, sha256="f" * 64)])
    if broken_setting:
        settings.SCAN_EXTRA_MODELS = "[{\"path\": "  # not JSON: an operator's typo waits too, never fails the user
    # The worker requeues it every time (the queues never drain) instead of scanning without the model.
    with pytest.raises(AssertionError, match="did not drain"):
        run_workers(max_rounds=4)
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status not in ("succeeded", "blocked") and not generation.scan_result
    np.testing.assert_equal(generation.assets.filter(role="video").count(), 0)
