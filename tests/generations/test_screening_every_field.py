"""Every text a user sends is screened with its own meaning, on every door: the negative prompt, the words a
lip-sync makes someone say, a gallery caption, the note on a consent record. Through the native API, the
Kling-compatible door and the portal, with the real screening engine, Redis and the simulator.

The texts are chosen to be clearly harmful or clearly harmless, so a change to the engine that flips one of
them is a finding, not a flaky test."""

import pytest

from accounts.models import AuditEvent, AuditEventType, StandingEvent
from generations.actions import free_text, gallery
from generations.catalog import VOICE_IDS
from generations.models import AssetRole, ConsentRecord, GalleryItem, GalleryStatus, Generation, ReviewItem
from generations.moderation.text.screening import ScreeningDecision
from generations.worker.pipeline import upstream_payload
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

# The doors, lip-syncs and captions need a finished clip (Redis, RQ, the simulator) and are marked e2e one by one;
# consent notes and the refusal table need only the database.
pytestmark = pytest.mark.django_db(transaction=True)

HARMLESS_PROMPT = "A red fox running through fresh snow"
UNDRESSING_NEGATIVE = "clothes, clothing, underwear, censored, mosaic"
HARMS_TO_AVOID = "nudity, gore, blood, watermark"
EXPLICIT = "explicit sex scene, fully nude"
EXPLICIT_LINE = "I want to have explicit sex with you, fully nude"
FAKE_ANNOUNCEMENT = "I am the President of the United States. Official announcement: missiles launched, evacuate now."
HARMLESS_LINE = "Hello and welcome to our bakery, today's special is rye bread"
BORDERLINE = "lingerie photoshoot"


# --- the doors ----------------------------------------------------------------------------------


def submit_api(client, key, **body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def submit_kling(client, key, kind, **body):
    return client.post(f"/kling/v1/videos/{kind}", body, content_type="application/json", **bearer(key))


def newest_generation():
    return Generation.objects.order_by("-id").first()


def text2video(door, client, alice, alice_key, *, negative_prompt, prompt=HARMLESS_PROMPT):
    """alice asks for a scene (a harmless one by default) with `negative_prompt` through one door; returns
    (response, generation)."""
    if door == "api":
        response = submit_api(client, alice_key, prompt=prompt, negative_prompt=negative_prompt, model="kling-v1-6")
    elif door == "kling":
        response = submit_kling(client, alice_key, "text2video", model_name="kling-v1-6", prompt=prompt,
                                negative_prompt=negative_prompt, duration="5")
    else:
        client.force_login(alice)
        response = client.post("/generations/new/", {
            "prompt": prompt, "negative_prompt": negative_prompt, "model": "kling-v1-6", "duration": "5",
            "aspect_ratio": "16:9", "mode": "std",
        })
    return response, newest_generation()


def lip_sync(door, client, alice, alice_key, parent, text):
    """alice makes the person in her clip say `text` through one door; returns (response, generation)."""
    if door == "api":
        response = submit_api(client, alice_key, kind="lip-sync", parent_id=str(parent.public_id), text=text)
    elif door == "kling":
        video = parent.asset(AssetRole.VIDEO)
        response = submit_kling(client, alice_key, "lip-sync", input={
            "video_id": str(video.public_id), "mode": "text2video", "text": text, "voice_id": VOICE_IDS[0],
        })
    else:
        client.force_login(alice)
        response = client.post(f"/generations/{parent.public_id}/lip-sync/", {
            "text": text, "voice_id": VOICE_IDS[0], "voice_language": "en", "voice_speed": "1.0",
        })
    generation = Generation.objects.filter(kind="lip-sync").order_by("-id").first()
    return response, generation


def assert_refusal_shown(door, response, generation):
    """What the user sees when a submit is blocked or held, per door."""
    if door == "api":
        if generation.status == "blocked":
            assert response.status_code == 422 and response.json()["error"]["code"] == "policy_violation", response.content
        else:
            assert response.status_code == 202 and response.json()["status"] == "held", response.content
    elif door == "kling":
        if generation.status == "blocked":
            assert response.status_code == 400 and response.json()["code"] == 1301, response.content
        else:
            # Held for a moderator: "processing" (with a message when queried), never "submitted" forever.
            assert response.status_code == 200 and response.json()["data"]["task_status"] == "processing", response.content
    else:
        assert response.status_code == 302 and response["Location"].endswith(f"/generations/{generation.public_id}/")


def assert_screening_recorded(generation):
    """The decision is on the row and in the submit's audit event, so a moderator can see why."""
    submitted = AuditEvent.objects.get(event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(generation.public_id))
    assert submitted.extra["screening"]["decision"] == generation.screening_result["decision"]
    return submitted


@pytest.fixture
def clip(client, use_simulator, redis_conn, alice_key):
    """A succeeded 5 s kling-v1-6 text→video clip of alice's: something to lip-sync and share."""
    response = submit_api(client, alice_key, prompt="A paper boat on a rainy street", model="kling-v1-6")
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded"
    return generation


DOORS = ("api", "kling", "portal")


# --- negative prompts ---------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_it_stops_a_negative_prompt_that_removes_clothing_or_censoring(door, client, use_simulator, redis_conn, alice, alice_key):
    response, generation = text2video(door, client, alice, alice_key, negative_prompt=UNDRESSING_NEGATIVE)

    assert generation is not None and generation.negative_prompt == UNDRESSING_NEGATIVE
    assert generation.status in ("held", "blocked"), generation.screening_result
    assert generation.screening_result["decision"] in ("review", "block")
    assert generation.screening_result["top_category"] == "sexual"
    assert_refusal_shown(door, response, generation)
    assert_screening_recorded(generation)
    if generation.status == "held":
        assert ReviewItem.objects.filter(generation=generation, stage="prompt", decision="").exists()
    else:
        assert generation.credit_state == "none" and not generation.holds_slot


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_it_never_stops_a_negative_prompt_that_lists_harms_to_avoid(door, client, use_simulator, redis_conn, alice, alice_key):
    response, generation = text2video(door, client, alice, alice_key, negative_prompt=HARMS_TO_AVOID)

    assert generation.negative_prompt == HARMS_TO_AVOID
    assert generation.status == "queued", generation.screening_result
    assert generation.screening_result["decision"] == "allow"
    assert response.status_code in (200, 202, 302), response.content
    assert not StandingEvent.objects.filter(user=alice).exists()


# An inline negative section in the prompt ("…; negative: clothes"), the image-model habit, is sent upstream as the
# negative prompt it means and screened as one: intent when it uncovers, harmless when it lists harms to avoid.
INLINE_UNDRESSING = "beach, woman, standing; negative: clothes, swimsuit, censored, mosaic"
INLINE_HARMS_TO_AVOID = "negative: nsfw, nude, gore, blood | a girl in a sundress walking through a flower field"


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_it_stops_an_inline_negative_section_that_removes_clothing(door, client, use_simulator, redis_conn, alice, alice_key):
    response, generation = text2video(door, client, alice, alice_key, negative_prompt="", prompt=INLINE_UNDRESSING)

    assert (generation.prompt, generation.negative_prompt) == ("beach, woman, standing", "clothes, swimsuit, censored, mosaic")
    assert generation.status in ("held", "blocked"), generation.screening_result
    assert generation.screening_result["top_category"] == "sexual"
    assert_refusal_shown(door, response, generation)
    assert_screening_recorded(generation)


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_an_inline_list_of_harms_to_avoid_goes_upstream_as_the_negative_prompt(door, client, use_simulator, redis_conn,
                                                                               alice, alice_key):
    response, generation = text2video(door, client, alice, alice_key, negative_prompt="watermark", prompt=INLINE_HARMS_TO_AVOID)

    assert generation.status == "queued", generation.screening_result
    assert generation.screening_result["decision"] == "allow"
    assert response.status_code in (200, 202, 302), response.content
    payload = upstream_payload(generation)
    assert payload["prompt"] == "a girl in a sundress walking through a flower field"
    assert payload["negative_prompt"] == "watermark, nsfw, nude, gore, blood"
    assert not StandingEvent.objects.filter(user=alice).exists()


@pytest.mark.e2e
def test_it_screens_the_negative_prompt_of_a_kling_video_extend(client, clip, alice, alice_key):
    video = clip.asset(AssetRole.VIDEO)
    response = submit_kling(client, alice_key, "video-extend", video_id=str(video.public_id),
                            prompt="The boat drifts under a bridge", negative_prompt=UNDRESSING_NEGATIVE)

    extension = Generation.objects.get(kind="video-extend")
    assert extension.negative_prompt == UNDRESSING_NEGATIVE
    assert extension.status in ("held", "blocked"), extension.screening_result
    assert_refusal_shown("kling", response, extension)


# --- lip-sync: the words someone is made to say -------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_it_refuses_a_lip_sync_that_speaks_an_explicit_sexual_line(door, client, clip, alice, alice_key):
    response, generation = lip_sync(door, client, alice, alice_key, clip, EXPLICIT_LINE)

    assert generation.prompt == EXPLICIT_LINE and generation.options["text"] == EXPLICIT_LINE
    assert generation.status == "blocked", generation.screening_result
    assert generation.screening_result["categories"]["sexual"] == 1.0
    # The stand-in footage is abstract shapes, but after marking a frame can pass OpenCV's face detector: then
    # the line is also a real-looking person's sexual speech, and the real-person rule may lead.
    seen_face = bool(generation.screening_result["likeness"]["inputs_with_faces"])
    assert generation.screening_result["top_category"] in (("sexual", "deepfake") if seen_face else ("sexual",))
    assert_refusal_shown(door, response, generation)
    assert_screening_recorded(generation)
    assert generation.credit_state == "none"
    assert StandingEvent.objects.filter(user=alice, source="prompt_block", generation_ref=str(generation.public_id)).exists()


@pytest.mark.e2e
@pytest.mark.parametrize("door", ("api", "kling"))
def test_it_refuses_a_lip_sync_that_fakes_an_official_announcement_by_a_head_of_state(door, client, clip, alice, alice_key):
    response, generation = lip_sync(door, client, alice, alice_key, clip, FAKE_ANNOUNCEMENT)

    # Not queued: blocked, or at the least waiting for a human (satire and fakes can read alike).
    assert generation.status in ("blocked", "held"), generation.screening_result
    assert generation.screening_result["top_category"] in ("deepfake", "political")
    assert_refusal_shown(door, response, generation)
    assert_screening_recorded(generation)


@pytest.mark.e2e
@pytest.mark.parametrize("door", DOORS)
def test_it_lets_a_lip_sync_with_harmless_words_through(door, client, clip, alice, alice_key):
    response, generation = lip_sync(door, client, alice, alice_key, clip, HARMLESS_LINE)

    assert response.status_code in (200, 202, 302), response.content
    assert generation.options["text"] == HARMLESS_LINE
    assert generation.status == "queued", generation.screening_result
    assert generation.screening_result["decision"] == "allow"
    if door == "api":
        assert drive_to_terminal(generation.public_id).status == "succeeded"


# --- gallery captions ---------------------------------------------------------------------------


def refused_events(field):
    return AuditEvent.objects.filter(event_type=AuditEventType.PROMPT_SCREENED, extra__field=field)


@pytest.mark.e2e
def test_it_refuses_to_share_a_clip_under_an_explicit_caption(client, clip, alice):
    client.force_login(alice)
    response = client.post(f"/generations/{clip.public_id}/share/", {"caption": EXPLICIT}, follow=True)

    page = response.content.decode()
    assert "caption_blocked" in page and "This caption was not shared" in page
    assert "nude" not in page  # the words are not echoed back
    assert not GalleryItem.objects.exists()
    event = refused_events("caption").get()
    assert event.target_id == str(clip.public_id) and event.actor_user == alice
    assert event.extra["outcome"] == "refused" and event.extra["code"] == "caption_blocked"
    assert event.extra["text"] == EXPLICIT and event.extra["screening"]["decision"] == "block"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.GALLERY_SHARED).exists()


@pytest.mark.e2e
def test_it_refuses_a_borderline_caption_and_asks_to_rephrase_it(client, clip, alice):
    client.force_login(alice)
    response = client.post(f"/generations/{clip.public_id}/share/", {"caption": BORDERLINE}, follow=True)

    page = response.content.decode()
    assert "caption_held" in page and "rephrase it, or share the clip without a caption" in page
    assert not GalleryItem.objects.exists()
    assert refused_events("caption").get().extra["screening"]["decision"] == "review"


@pytest.mark.e2e
def test_it_shares_a_clip_with_a_harmless_caption_and_keeps_the_decision(client, clip, alice, bob):
    client.force_login(alice)
    client.post(f"/generations/{clip.public_id}/share/", {"caption": "Hello and welcome to our bakery"})

    item = GalleryItem.objects.get(generation=clip)
    assert item.status == GalleryStatus.VISIBLE and item.caption == "Hello and welcome to our bakery"
    assert item.recheck_result["caption"]["decision"] == "allow"
    shared = AuditEvent.objects.get(event_type=AuditEventType.GALLERY_SHARED, target_id=str(item.public_id))
    assert shared.extra["recheck"]["caption"]["decision"] == "allow"
    assert not refused_events("caption").exists()
    client.force_login(bob)
    assert b"Hello and welcome to our bakery" in client.get("/gallery/").content


@pytest.mark.e2e
def test_it_screens_a_new_caption_when_a_clip_is_shared_again(client, clip, alice):
    item = gallery.do_share(clip, user=alice, caption="Rainy day")
    gallery.do_unshare(item, user=alice)
    client.force_login(alice)
    client.post(f"/generations/{clip.public_id}/share/", {"caption": EXPLICIT})

    item.refresh_from_db()
    assert item.status == GalleryStatus.UNSHARED and item.caption == "Rainy day"
    assert refused_events("caption").get().extra["code"] == "caption_blocked"


@pytest.mark.e2e
def test_it_does_not_let_an_outsider_share_or_screen_through_another_teams_clip(client, clip, charlie, other_team):
    client.force_login(charlie)
    assert client.post(f"/generations/{clip.public_id}/share/", {"caption": EXPLICIT}).status_code == 404
    assert not GalleryItem.objects.exists() and not refused_events("caption").exists()


# --- consent notes ------------------------------------------------------------------------------


def test_it_refuses_a_consent_note_with_explicit_content_and_keeps_the_form(client, team, alice):
    client.force_login(alice)
    response = client.post("/consent/", {"subject_name": "Dana Lee", "statement": EXPLICIT})

    assert response.status_code == 400
    page = response.content.decode()
    assert "note_blocked" in page and "This consent note was not recorded" in page
    assert 'value="Dana Lee"' in page  # nothing typed is lost
    assert not ConsentRecord.objects.exists()
    event = refused_events("statement").get()
    assert event.team_id == team.pk and event.extra["code"] == "note_blocked"
    assert event.extra["screening"]["decision"] == "block"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.CONSENT_RECORDED).exists()


def test_it_refuses_a_borderline_consent_note(client, team, alice):
    client.force_login(alice)
    response = client.post("/consent/", {"subject_name": "Dana Lee", "statement": BORDERLINE})

    assert response.status_code == 400 and b"note_held" in response.content
    assert not ConsentRecord.objects.exists()


def test_it_records_a_harmless_consent_note_with_its_screening(client, team, alice):
    client.force_login(alice)
    response = client.post("/consent/", {"subject_name": "Dana Lee", "statement": "Signed release form, 2026-11-20, kept by HR"})

    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.statement == "Signed release form, 2026-11-20, kept by HR"
    recorded = AuditEvent.objects.get(event_type=AuditEventType.CONSENT_RECORDED, target_id=str(record.public_id))
    assert recorded.extra["statement_screening"]["decision"] == "allow"
    assert not refused_events("statement").exists()


def test_an_outsiders_consent_note_stays_in_their_own_team(client, team, other_team, alice, charlie):
    client.force_login(charlie)
    client.post("/consent/", {"subject_name": "Eve", "statement": "Agreed by email on 2026-03-02"})
    assert ConsentRecord.objects.get().team == other_team
    client.force_login(alice)
    assert b"Agreed by email" not in client.get("/consent/").content


# --- the refusal itself, for every decision -----------------------------------------------------


@pytest.mark.parametrize(
    "decision, category, code, words",
    [
        ("allow", None, None, None),
        ("block", "sexual", "caption_blocked", "adult or intimate content"),
        ("review", "violence", "caption_held", "may involve graphic violence"),
        ("review", None, "caption_held", "could not be checked right now"),
    ],
)
def test_refusal_of_a_caption(decision, category, code, words):
    error = free_text.refusal(ScreeningDecision(decision=decision, top_category=category), free_text.CAPTION)
    if code is None:
        assert error is None
        return
    assert error.code == code and error.http_status == 422 and error.field == "caption"
    assert words in error.message and error.categories == ([category] if category else [])
