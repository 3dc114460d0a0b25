"""Provenance around the clip: the Kling door's watermark_info (and the simulator's), the team's label
setting (audited), inputs that carry credentials, and what happens when signing keys are missing."""

import base64
import datetime
import time

import httpx
import pytest
from django.core import checks
from django.core.management import call_command

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions.generation import do_transition
from generations.models import AssetRole, Generation, ReviewItem
from generations.provenance import credentials, marking
from generations.simulator.render import render_clip
from generations.states import Stage, Status
from studio.apps import provenance_keys_check
from tests.conftest import bearer
from tests.helpers import drive_to_terminal, run_workers
from tests.kinds.media import b64, image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.e2e
def test_the_kling_door_honours_watermark_info_and_passes_it_upstream(client, simulator, use_simulator, redis_conn, alice_key,
                                                                     team):
    team.label_outputs = False  # only the request asks for the mark
    team.save()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {alice_key}"}
    body = {"model_name": "kling-v1-6", "prompt": "Fog rolling over a pine ridge", "duration": "5",
            "watermark_info": {"enabled": True}}
    created = client.post("/kling/v1/videos/text2video", body, content_type="application/json", **headers).json()
    assert created["code"] == 0, created
    run_workers()
    task = client.get(f"/kling/v1/videos/text2video/{created['data']['task_id']}", **headers).json()["data"]
    assert task["watermark_info"] == {"enabled": True}
    (video,) = task["task_result"]["videos"]
    assert video["watermark_url"] == video["url"]
    generation = Generation.objects.get(public_id=task["task_id"])
    assert generation.provenance["label"] is True and generation.options["watermark"] is True
    upstream = httpx.get(f"{simulator.url}/v1/videos/text2video/{generation.provider_task_id}",
                         headers={"Authorization": "Bearer sim"}).json()["data"]
    assert upstream["watermark_info"] == {"enabled": True}  # the request went upstream with it

    bad = client.post("/kling/v1/videos/text2video", {**body, "watermark_info": True}, content_type="application/json",
                      **headers)
    assert (bad.status_code, bad.json()["code"]) == (400, 1201)
    assert "watermark_info must be an object" in bad.json()["message"]


@pytest.mark.e2e
def test_the_simulator_serves_a_visibly_marked_copy_at_watermark_url(simulator):
    http = httpx.Client(base_url=simulator.url, headers={"Authorization": "Bearer sim"}, timeout=10)
    task = http.post("/v1/videos/text2video", json={"prompt": "A kite over dunes", "watermark_info": {"enabled": True}})
    task_id = task.json()["data"]["task_id"]
    for _ in range(100):
        data = http.get(f"/v1/videos/text2video/{task_id}").json()["data"]
        if data["task_status"] == "succeed":
            break
        time.sleep(0.1)
    (video,) = data["task_result"]["videos"]
    assert video["watermark_url"] != video["url"] and video["watermark_url"].endswith("-watermarked.mp4")
    plain, marked = httpx.get(video["url"]).content, httpx.get(video["watermark_url"]).content
    assert marked[4:8] == b"ftyp" and marked != plain


def test_the_label_setting_is_for_managers_and_audited(client, team, alice, bob):
    client.force_login(bob)  # a member
    client.post("/accounts/team/output-label/", {})
    team.refresh_from_db()
    assert team.label_outputs is True
    client.force_login(alice)  # the owner
    page = client.post("/accounts/team/output-label/", {}, follow=True).content.decode()
    assert "will not carry the visible mark" in page
    team.refresh_from_db()
    assert team.label_outputs is False
    event = AuditEvent.objects.get(event_type=AuditEventType.TEAM_SETTINGS_CHANGED)
    assert event.extra["label_outputs"] == {"old": True, "new": False}


@pytest.mark.e2e
def test_an_input_made_by_this_studio_says_so_on_its_pages(client, use_simulator, redis_conn, alice_key, alice):
    made = client.post("/api/v1/generations", {"prompt": "Waves on a pebble beach"}, content_type="application/json",
                       **bearer(alice_key)).json()
    clip = drive_to_terminal(made["id"])
    poster = client.get(f"/api/v1/generations/{clip.public_id}/poster", **bearer(alice_key))
    poster_bytes = b"".join(poster.streaming_content) if poster.streaming else poster.content
    response = client.post("/api/v1/generations", {"kind": "image2video", "prompt": "slow push in",
                                                   "image": base64.b64encode(poster_bytes).decode()},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    child = Generation.objects.get(public_id=response.json()["id"])
    origin = child.asset(AssetRole.INPUT_IMAGE).provenance
    assert origin["verdict"] == "ours" and origin["generation"]["id"] == str(clip.public_id)
    client.force_login(alice)
    page = client.get(f"/generations/{child.public_id}/").content.decode()
    assert "Made by this studio" in page and str(clip.public_id) in page

    # The moderator deciding on it sees the same.
    do_transition(child, Status.HELD, expected=Status.QUEUED, stage=Stage.PROMPT)
    item = ReviewItem.objects.get(generation=child)
    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(moderator)
    review_page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert "Made by this studio" in review_page and str(clip.public_id) in review_page


def test_an_ordinary_input_records_nothing(client, alice_key):
    response = client.post("/api/v1/generations", {"kind": "image2video", "prompt": "pan left", "image": b64(image_bytes())},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    assert Generation.objects.get(public_id=response.json()["id"]).asset(AssetRole.INPUT_IMAGE).provenance is None


def _raw_clip(tmp_path):
    path = tmp_path / "raw.mp4"
    path.write_bytes(render_clip("A tram crossing a bridge", duration=1, seed=3))
    return path


def _mark(tmp_path):
    return marking.mark_output(
        _raw_clip(tmp_path), None, tmp_path, generation_public_id="5d1c9d1e-8d4a-4bb0-a0a6-3c4b3c1f0e11",
        model_name="kling-v1-6", created_at=datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC), label=False,
    )


def test_a_broken_signing_chain_is_a_startup_error_outside_debug_and_a_warning_in_debug(settings, tmp_path):
    settings.PROVENANCE_CERT_CHAIN = str(tmp_path / "missing-chain.pem")
    settings.PROVENANCE_PRIVATE_KEY = str(tmp_path / "missing-key.pem")
    settings.DEBUG = False
    (error,) = provenance_keys_check()
    assert isinstance(error, checks.Error) and error.id == "studio.E020" and "missing-chain.pem" in error.msg
    with pytest.raises(marking.ProvenanceUnavailable):
        _mark(tmp_path)

    settings.DEBUG = True
    (warning,) = provenance_keys_check()
    assert warning.level == checks.WARNING and warning.id == "studio.W020"
    marked = _mark(tmp_path)  # delivery goes on, watermarked but unsigned, and says why
    assert marked.record["credentials"] == "unsigned" and marked.record["watermark"]
    assert "signing chain cannot be loaded" in marked.record["warnings"][0]


def test_a_key_that_does_not_match_the_chain_is_refused(settings, tmp_path):
    first, second = credentials.ensure_signing_chain(tmp_path / "a"), credentials.ensure_signing_chain(tmp_path / "b")
    (tmp_path / "chain.pem").write_bytes(first.chain_pem)
    (tmp_path / "key.pem").write_bytes(second.key_pem)
    settings.PROVENANCE_CERT_CHAIN, settings.PROVENANCE_PRIVATE_KEY = str(tmp_path / "chain.pem"), str(tmp_path / "key.pem")
    settings.DEBUG = False
    (error,) = provenance_keys_check()
    assert "does not belong" in error.msg


def test_a_fresh_install_makes_its_keys_once(settings, tmp_path):
    settings.PROVENANCE_DIR = str(tmp_path / "provenance")
    assert provenance_keys_check() == []
    made = sorted(path.name for path in (tmp_path / "provenance").iterdir() if not path.name.startswith("."))
    assert made == ["ca.pem", "chain.pem", "signing-key.pem", "watermark.json"]
    assert oct((tmp_path / "provenance" / "watermark.json").stat().st_mode & 0o777) == "0o600"
    before = (tmp_path / "provenance" / "watermark.json").read_bytes()
    call_command("check")
    assert (tmp_path / "provenance" / "watermark.json").read_bytes() == before
