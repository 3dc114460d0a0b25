"""Hash banks in the flow: banked images and their near-duplicates caught at submit through the API, a banked
clip's re-encoded, trimmed copy caught at output, and the hold and report actions; the operator's command
and admin; the matchers reload when banks change."""

import io
import json

import pytest
from django.core.management import call_command
from PIL import Image
from skimage import data as skdata

from accounts.models import AuditEvent, AuditEventType, StandingEvent, User
from generations.actions import hashbanks
from generations.actions.generation import Assessment, initial_disposition
from generations.models import Generation, HashBank, HashBankEntry, ReviewItem
from generations.moderation.text import screening
from generations.simulator.render import render_clip
from studio.perf.bench_hashbank import near_duplicates
from tests.conftest import bearer
from tests.helpers import drive_to_terminal, run_workers
from tests.kinds.media import b64
from tests.moderation.test_hashing import reencode_trimmed

BANKED_PROMPT = "A paper lantern drifting over a dark lake"


def png_bytes(image):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(image, quality=95):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def astronaut():
    return Image.fromarray(skdata.astronaut())


def bank_with(tmp_path, *, name="known-images", action="block", category="sexual", media=None, team=None):
    bank = hashbanks.do_create_bank(name=name, category=category, action=action, team=team)
    path = tmp_path / f"{name}.png"
    path.write_bytes(png_bytes(media or astronaut()))
    entry = hashbanks.do_add_media(bank, path=path, note="test entry")
    return bank, entry


def submit_image(client, key, data, prompt="slow push in"):
    return client.post("/api/v1/generations", {"kind": "image2video", "image": b64(data), "prompt": prompt},
                       content_type="application/json", **bearer(key))


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


# --- where a generation starts (the pure rule) ---------------------------------------------------------


class Decision:  # the parts of a ScreeningDecision initial_disposition reads
    def __init__(self, decision, categories=None, top=""):
        self.decision, self.categories, self.top_category, self.user_message = decision, categories or {}, top, ""


def hash_match(action, category="violence"):
    return {"bank": "b", "entry": 1, "distance": 4, "action": action, "category": category}


@pytest.mark.parametrize(
    "decision, scan, match, expected",
    [
        # A blocking bank outranks everything, a blocked prompt included, and strikes under its own source.
        (Decision(screening.BLOCK, {"sexual": 0.95}, "sexual"), None, hash_match("block"),
         ("blocked", "input", "hash_match", None, ("violence", "hash_match"))),
        (Decision(screening.ALLOW), None, hash_match("block", "sexual_minors"),
         ("blocked", "input", "hash_match", None, ("sexual_minors", "hash_match"))),
        # A holding bank holds, after the blocks (prompt, detectors) and before a prompt for review.
        (Decision(screening.ALLOW), None, hash_match("hold"), ("held", "input", "", {"violence": 1.0}, None)),
        (Decision(screening.REVIEW, {"political": 0.6}), None, hash_match("hold"), ("held", "input", "", {"violence": 1.0}, None)),
        (Decision(screening.BLOCK, {"sexual": 0.95}, "sexual"), None, hash_match("hold"),
         ("blocked", "prompt", "policy_violation", None, ("sexual", "prompt_block"))),
        (Decision(screening.ALLOW), {"verdict": "block", "categories": {"gore": 0.9}, "top": "gore"}, hash_match("hold"),
         ("blocked", "input", "input_blocked", None, ("gore", "input_block"))),
        # A report changes nothing here; no match is exactly the old behaviour.
        (Decision(screening.ALLOW), None, hash_match("report"), ("queued", "queue", "", None, None)),
        (Decision(screening.ALLOW), None, None, ("queued", "queue", "", None, None)),
    ],
)
def test_where_a_generation_starts_when_a_bank_matches(decision, scan, match, expected):
    disposition = initial_disposition(Assessment(decision=decision, input_scan=scan, likeness=None, hash_match=match),
                                      restricted=False)
    got = (disposition.status, disposition.stage, disposition.error_code, disposition.held_categories, disposition.strike)
    assert got == expected


# --- input images ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["original", "jpeg_q50", "resized_80", "cropped_5", "mirrored"])
def test_a_banked_image_and_its_near_duplicates_are_blocked_at_submit(client, alice, alice_key, team, redis_conn, tmp_path,
                                                                      variant):
    bank, entry = bank_with(tmp_path)
    copies = {"original": astronaut(), **near_duplicates(astronaut())}
    copy = copies[variant]
    data = jpeg_bytes(copy, quality=100) if variant in ("jpeg_q50", "cropped_5") else png_bytes(copy)
    response = submit_image(client, alice_key, data)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["stage"] == "input"
    assert response.json()["error"]["categories"] == ["sexual"]
    assert "banned" in response.json()["error"]["suggestion"]
    generation = Generation.objects.get()
    assert (generation.status, generation.stage, generation.error_code) == ("blocked", "input", "hash_match")
    assert "known sexual content" in generation.error_message
    match = generation.screening_result["hash_match"]
    assert (match["bank"], match["entry"], match["action"], match["role"]) == (bank.name, entry.pk, "block", "input_image")
    assert match["distance"] <= 31
    if variant == "mirrored":
        assert match["variant"] == "flip_horizontal"
    submitted = AuditEvent.objects.get(event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(generation.public_id))
    assert submitted.extra["hash_match"]["entry"] == entry.pk and submitted.extra["status"] == "blocked"
    strike = StandingEvent.objects.get(user=alice)
    assert (strike.category, strike.source) == ("sexual", "hash_match")
    # Nothing reached the upstream, nothing is reserved, and the image is kept only for reviewers.
    team.refresh_from_db()
    assert generation.provider_task_id == "" and team.credits_reserved == 0
    assert generation.assets.get(role="input_image").quarantined


@pytest.mark.django_db
def test_an_unrelated_image_goes_through_as_before(client, alice_key, redis_conn, tmp_path):
    bank_with(tmp_path)
    response = submit_image(client, alice_key, png_bytes(Image.fromarray(skdata.chelsea())))
    assert response.status_code == 202, response.content
    generation = Generation.objects.get()
    assert generation.status == "queued" and "hash_match" not in generation.screening_result
    assert not ReviewItem.objects.exists()


@pytest.mark.django_db
def test_an_inactive_bank_or_another_teams_bank_matches_nothing(client, alice_key, other_team, redis_conn, tmp_path):
    bank, _entry = bank_with(tmp_path, name="charlies-bank", team=other_team)
    assert submit_image(client, alice_key, png_bytes(astronaut())).status_code == 202
    HashBank.objects.filter(pk=bank.pk).update(team=None, active=False)
    assert submit_image(client, alice_key, png_bytes(astronaut()), prompt="another push in").status_code == 202
    bank.refresh_from_db()
    bank.active = True
    bank.save()
    assert submit_image(client, alice_key, png_bytes(astronaut()), prompt="a third push in").status_code == 422


@pytest.mark.django_db
def test_a_hold_bank_holds_the_generation_and_shows_the_match_to_the_moderator(client, alice, alice_key, moderator, redis_conn,
                                                                               tmp_path):
    bank, entry = bank_with(tmp_path, name="suspected-violence", action="hold", category="violence")
    response = submit_image(client, alice_key, png_bytes(near_duplicates(astronaut())["resized_80"]))
    assert response.status_code == 202, response.content
    generation = Generation.objects.get()
    assert (generation.status, generation.stage) == ("held", "input")
    item = ReviewItem.objects.get(generation=generation)
    assert (item.kind, item.stage, item.categories) == ("held", "input", {"violence": 1.0})
    assert not StandingEvent.objects.filter(user=alice).exists()  # a hold is not a strike
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert 'id="hash-match"' in page and "suspected-violence" in page and f"entry {entry.pk}" in page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_report_bank_lets_it_run_and_opens_a_review_item(client, alice, alice_key, moderator, use_simulator, redis_conn,
                                                          tmp_path):
    bank, entry = bank_with(tmp_path, name="watchlist", action="report", category="deepfake")
    response = submit_image(client, alice_key, png_bytes(near_duplicates(astronaut())["jpeg_q50"]))
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.screening_result["hash_match"]["bank"] == "watchlist"
    items = {item.stage: item for item in ReviewItem.objects.filter(generation=generation)}
    item = items["input"]
    assert (item.kind, item.decision) == ("report", "")
    assert "watchlist" in item.message and item.categories == {"deepfake": 1.0}
    # The clip animates the banked still, so its frames match the banked image too: recorded at output as well.
    assert (items["output"].kind, generation.scan_result["hash_match"]["matched_as"]) == ("report", "frame")
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert "watchlist" in page and f"entry {entry.pk}" in page


# --- outputs -----------------------------------------------------------------------------------------------


def bank_the_clip_the_simulator_will_render(tmp_path, *, action, prompt=BANKED_PROMPT):
    """The simulator renders (prompt, seed 0, 24 fps, 16:9, the requested seconds): render that clip here,
    re-encode it at CRF 35 without its first second (a re-upload), and bank the copy."""
    original = tmp_path / "original.mp4"
    original.write_bytes(render_clip(prompt, duration=5.0, aspect_ratio="16:9", seed=0, fps=24))
    copy = reencode_trimmed(original, tmp_path / "copy.mp4", trim_s=1.0, crf=35)
    bank = hashbanks.do_create_bank(name=f"known-clips-{action}", category="violence", action=action)
    return bank, hashbanks.do_add_media(bank, path=copy)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action, status", [("block", "blocked"), ("hold", "held")])
def test_a_banked_clip_is_caught_at_output_from_a_reencoded_trimmed_copy(client, alice, alice_key, use_simulator, redis_conn,
                                                                          tmp_path, action, status):
    bank, entry = bank_the_clip_the_simulator_will_render(tmp_path, action=action)
    assert entry.media_kind == "video" and len(entry.hashes) > 60
    response = client.post("/api/v1/generations", {"prompt": BANKED_PROMPT, "duration": "5"},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    run_workers()  # held is not terminal: drive_to_terminal would refuse it
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert (generation.status, generation.stage) == (status, "output")
    match = generation.scan_result["hash_match"]
    assert (match["bank"], match["entry"], match["matched_as"]) == (bank.name, entry.pk, "clip")
    assert match["query_fraction"] >= 0.6 and match["banked_fraction"] >= 0.6 and match["distance"] <= 31
    assert generation.scan_result["categories"] == {"violence": 1.0}
    moved = AuditEvent.objects.filter(event_type=AuditEventType.GENERATION_STATUS_CHANGED,
                                      target_id=str(generation.public_id)).latest("id")
    assert moved.extra["to"] == status and moved.extra["hash_match"]["entry"] == entry.pk
    scanned = AuditEvent.objects.get(event_type=AuditEventType.OUTPUT_SCANNED, target_id=str(generation.public_id))
    assert scanned.extra["hash_match"]["bank"] == bank.name
    if status == "blocked":
        assert generation.error_code == "hash_match"
    else:
        assert ReviewItem.objects.get(generation=generation).stage == "output"
    assert all(asset.quarantined for asset in generation.assets.filter(role__in=("video", "poster")))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_unrelated_clip_is_delivered_as_before(client, alice_key, use_simulator, redis_conn, tmp_path):
    bank_the_clip_the_simulator_will_render(tmp_path, action="block")
    response = client.post("/api/v1/generations", {"prompt": "A red kite over green hills", "duration": "5"},
                           content_type="application/json", **bearer(alice_key))
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded" and "hash_match" not in generation.scan_result


# --- the matchers reload --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_loaded_banks_follow_every_change(tmp_path):
    assert hashbanks.loaded_banks().banks == {}
    bank, entry = bank_with(tmp_path)
    query = hashbanks.hashing.hash_image(astronaut()).hex
    assert [match.entry_id for match in hashbanks.loaded_banks().match_image_hash(query)] == [entry.pk]
    entry.delete()
    assert hashbanks.loaded_banks().match_image_hash(query) == []
    hashbanks.do_add_media(bank, path=tmp_path / "known-images.png")
    assert len(hashbanks.loaded_banks().match_image_hash(query)) == 1
    bank.active = False
    bank.save()
    assert hashbanks.loaded_banks().match_image_hash(query) == []


# --- operator tools --------------------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("hashbank", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_creates_adds_exports_imports_and_matches(tmp_path):
    image = tmp_path / "banked.png"
    image.write_bytes(png_bytes(astronaut()))
    assert "created bank known" in run("create", "known", "--category", "sexual_minors", "--action", "hold")[0]
    assert "banked image" in run("add", str(image), "--bank", "known", "--note", "case 1")[0]
    exported, _ = run("export", "--bank", "known")
    lines = exported.splitlines()
    assert lines == [f"pdq {HashBankEntry.objects.get().pdq_hash}"]

    # A ThreatExchange signal file: `pdq <hash>` lines, a bare hash, the reference hasher's CSV, noise.
    other = hashbanks.hashing.hash_image(Image.fromarray(skdata.coffee())).hex
    signals = tmp_path / "signals.txt"
    signals.write_text("# exported from HMA\n" + "\n".join([
        lines[0], f"pdq {other}", "f" * 64, f"{'0f' * 32},100,/data/cat.jpg", "video_md5 d41d8cd98f00b204e9800998ecf8427e",
        "pdq nothex", "",
    ]))
    run("create", "imported", "--category", "violence")
    out, err = run("import", str(signals), "--bank", "imported")
    assert "imported 4 PDQ hashes" in out and "video_md5" in err and "not a 64-digit" in err
    assert sorted(run("export", "--bank", "imported")[0].splitlines()) == sorted(
        [lines[0], f"pdq {other}", "pdq " + "f" * 64, "pdq " + "0f" * 32])

    matched, _ = run("match", str(image), "--json")
    found = json.loads(matched)["matches"]
    assert {(m["bank"], m["distance"]) for m in found} == {("known", 0), ("imported", 0)}
    assert [m["action"] for m in found] == ["block", "hold"]  # the most severe first
    unrelated = tmp_path / "cat.png"
    unrelated.write_bytes(png_bytes(Image.fromarray(skdata.chelsea())))
    assert "no match" in run("match", str(unrelated))[0]


@pytest.mark.django_db
def test_the_command_banks_a_clip_and_matches_its_copy(tmp_path):
    original = tmp_path / "clip.mp4"
    original.write_bytes(render_clip("waves on a pebble beach", duration=4.0, seed=3, fps=24))
    run("create", "clips", "--category", "violence")
    assert "banked video" in run("add", str(original), "--bank", "clips")[0]
    copy = reencode_trimmed(original, tmp_path / "copy.mp4", trim_s=1.0, crf=35)
    found = json.loads(run("match", str(copy), "--json")[0])["matches"]
    assert [(m["bank"], m["matched_as"]) for m in found] == [("clips", "clip")]


@pytest.mark.django_db
def test_the_admin_shows_banks_and_keeps_hashes_read_only(client, tmp_path):
    _bank, entry = bank_with(tmp_path)
    admin = User.objects.create_superuser("root@example.org", "pw-root-12345")
    client.force_login(admin)
    assert client.get("/admin/generations/hashbank/").status_code == 200
    page = client.get(f"/admin/generations/hashbankentry/{entry.pk}/change/").content.decode()
    assert entry.pdq_hash in page and 'name="pdq_hash"' not in page and 'name="note"' in page
    assert client.get("/admin/generations/hashbankentry/add/").status_code == 403
