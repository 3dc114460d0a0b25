"""Every delivered clip is provable: made through the API by a real worker and the simulator over loopback,
downloaded like a client would, and read back with c2pa's own Reader (none of the studio's signing or
reading code), the watermark found after the attacks the issue names, and `verify_media` on our clip, a
tampered copy and a clip the studio did not make."""

import io
import json

import c2pa
import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from generations.provenance.identity import watermark_identity
from generations.provenance.watermark import detect, label_box
from generations.simulator.render import render_clip
from studio.perf.bench_watermark import attack, decode
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def made_through_the_api(client, key, **body):
    response = client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


def download(client, key, generation, what="video"):
    response = client.get(f"/api/v1/generations/{generation.public_id}/{what}", **bearer(key))
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def reader_report(data: bytes, mime_type: str, *, anchor_pem: str | None = None):
    """(validation state, manifest store JSON) from c2pa.Reader alone."""
    context = None
    if anchor_pem:
        settings = c2pa.Settings.from_dict({"verify": {"verify_trust": True}, "trust": {"trust_anchors": anchor_pem}})
        context = c2pa.Context(settings)
    with c2pa.Reader(mime_type, io.BytesIO(data), context=context) as reader:
        return reader.get_validation_state(), json.loads(reader.json())


def active(store):
    return store["manifests"][store["active_manifest"]]


def assertion(manifest, prefix):
    return next(item["data"] for item in manifest["assertions"] if item["label"].startswith(prefix))


@pytest.fixture
def clip(client, use_simulator, redis_conn, alice_key):
    return made_through_the_api(client, alice_key, prompt="A lighthouse beam sweeping over a calm sea at dusk")


@pytest.fixture
def ca_pem(settings, clip):
    with open(f"{settings.PROVENANCE_DIR}/ca.pem") as handle:
        return handle.read()


def test_a_downloaded_clip_carries_valid_credentials_that_name_its_generation(client, alice_key, clip, ca_pem):
    data = download(client, alice_key, clip)
    state, store = reader_report(data, "video/mp4")
    assert state == "Valid"
    manifest = active(store)
    actions = assertion(manifest, "c2pa.actions")["actions"]
    assert actions[0]["action"] == "c2pa.created" and actions[0]["digitalSourceType"] == TRAINED
    assert actions[0]["softwareAgent"]["name"] == "Studio" and actions[0]["parameters"]["model"] == clip.model_name
    made = assertion(manifest, "org.studio.generation")
    assert made["generation_id"] == str(clip.public_id) and made["created_at"].startswith(clip.created_at.date().isoformat())

    trusted_state, _ = reader_report(data, "video/mp4", anchor_pem=ca_pem)
    assert trusted_state == "Trusted"

    poster_state, poster_store = reader_report(download(client, alice_key, clip, "poster"), "image/jpeg", anchor_pem=ca_pem)
    assert poster_state == "Trusted"
    assert assertion(active(poster_store), "org.studio.generation")["generation_id"] == str(clip.public_id)


def test_one_flipped_byte_makes_the_credentials_invalid_with_a_hash_mismatch(client, alice_key, clip):
    data = bytearray(download(client, alice_key, clip))
    middle = data.rindex(b"mdat") + (len(data) - data.rindex(b"mdat")) // 2
    data[middle] ^= 0x01
    state, store = reader_report(bytes(data), "video/mp4")
    assert state == "Invalid"
    failures = store["validation_results"]["activeManifest"]["failure"]
    assert any("mismatch" in item["code"] for item in failures), failures


def test_the_watermark_survives_reencoding_downscaling_and_cropping(client, alice_key, clip):
    identity = watermark_identity()
    expected = identity.payload_for(clip.public_id)
    assert clip.watermark_digest == expected[2:].hex()
    frames = decode(download(client, alice_key, clip))[:72]  # three seconds
    for name in ("stored", "crf35", "half", "crop_sides", "crop_corner"):
        found = detect(attack(name, frames), identity.key)
        assert found.found and found.payload == expected, name


def test_the_visible_label_follows_the_team_setting(client, alice_key, clip, team):
    assert clip.provenance["label"] is True  # the default: downloads and gallery shares are labelled
    team.label_outputs = False
    team.save()
    plain = made_through_the_api(client, alice_key, prompt=clip.prompt)
    assert plain.provenance["label"] is False
    labelled_frame = decode(download(client, alice_key, clip))[12].astype(int)
    plain_frame = decode(download(client, alice_key, plain))[12].astype(int)
    top, left, bottom, right = label_box(*labelled_frame.shape[:2], "AI-generated")
    inside = np.abs(labelled_frame[top:bottom, left:right] - plain_frame[top:bottom, left:right]).mean()
    outside = np.abs(labelled_frame[:top] - plain_frame[:top]).mean()  # only the two watermarks differ there
    assert inside > 20 and outside < 4, (inside, outside)

    asked = made_through_the_api(client, alice_key, prompt=clip.prompt, watermark=True)  # the caller asks per clip
    summary = client.get(f"/api/v1/generations/{asked.public_id}", **bearer(alice_key)).json()
    assert summary["provenance"] == {"credentials": True, "watermark": True, "label": True, "edited_from_parent": False}
    plain_summary = client.get(f"/api/v1/generations/{plain.public_id}", **bearer(alice_key)).json()
    assert plain_summary["provenance"]["label"] is False


def test_an_extension_records_an_edit_of_its_parent(client, alice_key, clip):
    child = made_through_the_api(client, alice_key, kind="video-extend", parent_id=str(clip.public_id), prompt="The beam fades")
    state, store = reader_report(download(client, alice_key, child), "video/mp4")
    assert state == "Valid"
    manifest = active(store)
    assert [action["action"] for action in assertion(manifest, "c2pa.actions")["actions"]] == ["c2pa.opened", "c2pa.edited"]
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    # The parent's own manifest came along: the child's store holds both.
    parent_ids = [
        assertion(m, "org.studio.generation")["generation_id"] for m in store["manifests"].values()
        if any(a["label"] == "org.studio.generation" for a in m["assertions"])
    ]
    assert sorted(parent_ids) == sorted([str(clip.public_id), str(child.public_id)])


def verify(path, capsys):
    call_command("verify_media", str(path), "--json")
    return json.loads(capsys.readouterr().out)


def test_verify_media_on_our_clip_a_tampered_copy_and_a_foreign_clip(client, alice_key, clip, tmp_path, capsys):
    ours = tmp_path / "ours.mp4"
    ours.write_bytes(download(client, alice_key, clip))
    report = verify(ours, capsys)
    assert report["verdict"] == "ours" and report["credentials"]["state"] == "trusted"
    assert report["watermark"]["found"] and report["watermark"]["this_install"]
    assert report["generation"]["id"] == str(clip.public_id)
    assert report["generation"]["matched_by"] == ["credentials", "watermark"]
    assert "c2pa.created" in report["credentials"]["actions"]
    assert {"c2pa.actions.v2", "org.studio.generation"} <= set(report["credentials"]["assertions"])

    tampered = tmp_path / "tampered.mp4"
    data = bytearray(ours.read_bytes())
    data[data.rindex(b"mdat") + 4000] ^= 0xFF
    tampered.write_bytes(bytes(data))
    report = verify(tampered, capsys)
    assert report["credentials"]["state"] == "invalid" and "mismatch" in report["credentials"]["reason"]
    assert report["verdict"] == "ours_altered" and report["generation"]["id"] == str(clip.public_id)

    foreign = tmp_path / "foreign.mp4"  # the same picture rendered elsewhere: no credentials, no mark
    foreign.write_bytes(render_clip(clip.prompt, duration=2, seed=7))
    report = verify(foreign, capsys)
    assert report["verdict"] == "nothing_found" and report["credentials"]["state"] == "missing"
    assert report["watermark"] == {**report["watermark"], "checked": True, "found": False}

    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(CommandError, match="unsupported_media"):
        call_command("verify_media", str(text))
