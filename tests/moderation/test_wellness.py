"""Moderator wellness over HTTP: reviewer renditions by default (per the moderator's effective settings), the
original only with this moderator's grant for this item, preferences with per-harm overrides and organisation
defaults (audited), exposure to graphic items with a break prompt, and the lead's exposure page."""

import io
import time

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory
from PIL import Image

from accounts.actions import do_add_member
from accounts.audit import SYSTEM
from accounts.models import AuditEvent, AuditEventType, Role, User
from generations.actions import wellness as actions
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, ExposureDay, Generation
from generations.moderation import wellness as rules
from generations.moderation.visual import renditions
from generations.presenters import download_signature
from generations.simulator.media import AudioClip
from generations.simulator.render import encode_mp4
from generations.web import files

pytestmark = pytest.mark.django_db

VIOLENT = {"violence": 0.9, "political": 0.1}
SEXUAL_AND_VIOLENT = {"violence": 0.5, "sexual": 0.8}


# --- resolving the layers (pure) ---------------------------------------------------------------------


def test_with_no_choices_the_base_applies():
    assert {k: v for k, v in rules.effective({}).items() if k in rules.FIELDS} == rules.BASE
    assert rules.effective({})["harm"] == "" and not rules.effective({})["graphic"]


def test_the_moderators_defaults_beat_the_organisations_and_the_harm_override_beats_both():
    org, mine = {"blur": 2, "warning": True}, {"blur": 5}
    assert rules.effective({"political": 0.9}, org=org, mine=mine)["blur"] == 5
    assert rules.effective({"political": 0.9}, org=org, mine=mine)["warning"] is True  # the org's, untouched
    violent = rules.effective(VIOLENT, org=org, mine=mine, my_overrides={"violence": {"grayscale": True, "blur": 1}})
    assert (violent["blur"], violent["grayscale"], violent["harm"], violent["graphic"]) == (1, True, "violence", True)


def test_an_override_applies_only_when_the_harm_reaches_its_review_threshold():
    overrides = {"violence": {"grayscale": True}}
    assert rules.effective({"violence": 0.39}, my_overrides=overrides)["grayscale"] is False
    assert rules.effective({"violence": 0.40}, my_overrides=overrides)["grayscale"] is True
    assert rules.effective({"gore": 0.8}, my_overrides=overrides)["grayscale"] is True  # a visual detector's name


def test_the_most_severe_harm_wins_where_overrides_disagree_and_others_fill_the_rest():
    overrides = {"violence": {"grayscale": True, "warning": True}, "sexual": {"blur": 4, "grayscale": False}}
    result = rules.effective(SEXUAL_AND_VIOLENT, mine={"blur": 1}, my_overrides=overrides)
    assert (result["harm"], result["grayscale"], result["warning"], result["blur"]) == ("violence", True, True, 4)


def test_a_moderators_override_beats_the_organisations_for_the_same_harm():
    result = rules.effective(VIOLENT, org_overrides={"violence": {"blur": 6, "sketch": True}},
                             my_overrides={"violence": {"blur": 3}})
    assert (result["blur"], result["sketch"]) == (3, True)


def test_bad_values_are_dropped():
    assert rules.clean({"blur": 9, "grayscale": "yes", "speed": 3.0, "mute": False, "colour": True}) == {"mute": False}
    assert rules.clean_overrides({"violence": {}, "weather": {"blur": 2}, "gore": {"blur": 2}}) == {"violence": {"blur": 2}}


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


@pytest.fixture
def lead(db):
    return User.objects.create_user("lead@example.org", "pw-lead-12345", is_moderator=True, is_superuser=True)


def picture_bytes():
    image = Image.new("RGB", (640, 480), (30, 160, 40))
    pixels = np.asarray(image).copy()
    pixels[:, :320] = (220, 40, 40)
    pixels[::16] = (250, 250, 250)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def clip_bytes():
    frames = (np.full((240, 480, 3), (200, 30 + index, 30), np.uint8) for index in range(24))
    tone = (0.2 * np.sin(np.linspace(0, 2000, 16000))).astype(np.float32)
    return encode_mp4(frames, width=480, height=240, fps=24, audio=AudioClip(tone, 16000))


def attach(generation, role, data, content_type, *, quarantined=False):
    asset = Asset(generation=generation, role=role, content_type=content_type, size_bytes=len(data), sha256="a" * 64,
                  quarantined=quarantined)
    asset.file.save(f"{role}.bin", ContentFile(data), save=False)
    asset.save()
    return asset


def held_item(team, user, categories, *, stage="input", prompt="A street scene"):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage=stage,
        screening_result={"decision": "review", "categories": categories},
    )
    item = do_open_review_for_held(generation, stage=stage, categories=categories)
    attach(generation, "input_image", picture_bytes(), "image/png", quarantined=True)
    return item


def decoded(response):
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def media(item, which="input"):
    return f"/moderation/items/{item.public_id}/media/{which}"


# --- serving ---------------------------------------------------------------------------------------------


def test_the_default_is_the_rendition_and_a_grayscale_override_is_the_servers_grayscale(client, team, alice, moderator):
    item = held_item(team, alice, VIOLENT)
    client.force_login(moderator)
    blurred = client.get(media(item))
    assert blurred.status_code == 200 and blurred["Content-Type"] == "image/jpeg"
    assert blurred["Cache-Control"] == "private, no-store"
    red, green, _ = decoded(blurred).getpixel((40, 240))
    assert red - green > 100  # colour kept: no grayscale by default
    actions.do_save_preferences(moderator, {}, {"violence": {"grayscale": True, "warning": True}})
    gray = decoded(client.get(media(item)))
    assert all(r == g == b for r, g, b in gray.get_flattened_data())
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert 'id="warning-screen"' in page and "Warning: graphic media (violence)" in page


def test_a_non_graphic_item_ignores_the_violence_override(client, team, alice, moderator):
    item = held_item(team, alice, {"political": 0.9})
    actions.do_save_preferences(moderator, {}, {"violence": {"grayscale": True, "warning": True}})
    client.force_login(moderator)
    red, green, _ = decoded(client.get(media(item))).getpixel((40, 240))
    assert red - green > 100
    assert 'id="warning-screen"' not in client.get(f"/moderation/items/{item.public_id}/").content.decode()


def test_the_original_needs_this_moderators_grant_for_this_item(client, team, alice, moderator):
    item, other_item = held_item(team, alice, VIOLENT), held_item(team, alice, VIOLENT, prompt="Another")
    client.force_login(moderator)
    for url in (media(item) + "?as=original", media(item) + "?grant=forged"):
        refused = client.get(url)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "unblur_required"
    client.post(f"/moderation/items/{item.public_id}/unblur/", {"from_page": "1"})
    assert AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED, target_id=str(item.public_id)).count() == 1
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    original_url = page.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
    original = Asset.objects.get(generation=item.generation, role="input_image").file.read()
    assert b"".join(client.get(original_url).streaming_content) == original
    token = original_url.split("grant=")[1]
    wrong_item = client.get(media(other_item) + f"?grant={token}")  # the grant names its item
    assert wrong_item.status_code == 403 and wrong_item.json()["error"]["code"] == "unblur_required"
    other = User.objects.create_user("mo2@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(other)
    assert client.get(original_url).status_code == 403


def test_the_clip_is_served_as_a_small_silent_rendition_encoded_once(client, team, alice, moderator, monkeypatch):
    item = held_item(team, alice, VIOLENT, stage="output")
    video = attach(item.generation, "video", clip_bytes(), "video/mp4")
    actions.do_save_preferences(moderator, {}, {"violence": {"grayscale": True}})
    client.force_login(moderator)
    first = client.get(media(item, "video") + "?as=clip")
    assert first.status_code == 200 and first["Content-Type"] == "video/mp4"
    with av.open(io.BytesIO(first.content)) as container:
        assert not container.streams.audio
        stream = container.streams.video[0]
        assert max(stream.codec_context.width, stream.codec_context.height) <= 360
        frame = next(container.decode(stream)).to_ndarray(format="rgb24").astype(int)
    assert np.abs(frame[..., 0] - frame[..., 1]).mean() < 4  # grayscale: the red clip is no longer red
    name = actions._name(video, "b4-g1-s0", ".mp4")
    assert video.file.storage.exists(name)

    def no_second_encode(*args, **kwargs):
        raise AssertionError("encoded again")

    monkeypatch.setattr(renditions, "render_video", no_second_encode)
    assert client.get(media(item, "video") + "?as=clip").content == first.content
    still = client.get(media(item, "video"))
    assert still["Content-Type"] == "image/jpeg"
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    player = page.split('aria-label="The result clip (reviewer rendition, silent)"')[0].rsplit("<video", 1)[1]
    assert " muted" in player and f'{media(item, "video")}?as=clip' in player and 'data-speed="1.0"' in player


# --- ordinary file doors never serve withheld media ---------------------------------------------------


def test_a_moderator_in_the_team_gets_no_withheld_media_through_the_portal_or_a_signed_link(client, team, alice, moderator):
    do_add_member(team=team, user=moderator, role=Role.MEMBER, actor=SYSTEM)
    item = held_item(team, alice, VIOLENT)
    asset = Asset.objects.get(generation=item.generation, role="input_image")
    client.force_login(moderator)
    assert client.get(f"/generations/{item.generation.public_id}/input-start").status_code == 404
    expires = int(time.time()) + 600
    signed = f"/kling/v1/files/{asset.public_id}?expires={expires}&signature={download_signature(str(asset.public_id), expires)}"
    assert client.get(signed).status_code == 404
    # Even a caller that forgot its own checks: the one file helper refuses it.
    with pytest.raises(Http404):
        files.serve_file(RequestFactory().get("/"), asset)
    # The same door serves it once a moderator approved it (so the refusals above were about the hold).
    item.__class__.objects.filter(pk=item.pk).update(decision="approved")
    assert client.get(f"/generations/{item.generation.public_id}/input-start").status_code == 200
    output = held_item(team, alice, VIOLENT, stage="output")
    clip = attach(output.generation, "video", b"not really a clip", "video/mp4")
    with pytest.raises(Http404):
        files.serve_file(RequestFactory().get("/"), clip)


# --- preferences ------------------------------------------------------------------------------------------


def test_a_moderator_saves_preferences_and_the_change_is_audited_once(client, team, alice, moderator):
    client.force_login(moderator)
    assert client.get("/moderation/wellness/").status_code == 200
    form = {"default-blur": "5", "default-mute": "yes", "violence-grayscale": "yes", "violence-warning": "yes",
            "sexual-blur": "4", "default-speed": "1.5"}
    assert client.post("/moderation/wellness/", form).status_code == 302
    row = actions.preferences_of(moderator)
    assert row.defaults == {"blur": 5, "mute": True, "speed": 1.5}
    assert row.overrides == {"violence": {"grayscale": True, "warning": True}, "sexual": {"blur": 4}}
    event = AuditEvent.objects.get(event_type=AuditEventType.WELLNESS_PREFERENCES_CHANGED)
    assert event.actor_label == "mo@example.org" and event.extra["after"]["overrides"]["sexual"] == {"blur": 4}
    client.post("/moderation/wellness/", form)
    assert AuditEvent.objects.filter(event_type=AuditEventType.WELLNESS_PREFERENCES_CHANGED).count() == 1
    page = client.get("/moderation/wellness/").content.decode()
    assert '<option value="5" selected>' in page


def test_only_a_lead_sets_the_organisation_defaults_which_apply_to_everyone(client, team, alice, moderator, lead):
    client.force_login(moderator)
    assert client.get("/moderation/wellness/organisation/").status_code == 404
    client.post("/moderation/wellness/organisation/", {"default-blur": "6"})
    assert actions.org_preferences().pk is None
    client.force_login(lead)
    client.post("/moderation/wellness/organisation/", {"default-blur": "6", "violence-sketch": "yes"})
    assert AuditEvent.objects.filter(event_type=AuditEventType.WELLNESS_DEFAULTS_CHANGED, actor_label="lead@example.org").count() == 1
    assert actions.effective_settings(moderator, VIOLENT)["blur"] == 6
    assert actions.effective_settings(moderator, VIOLENT)["sketch"] is True


def test_people_who_are_not_moderators_get_404(client, team, alice):
    item = held_item(team, alice, VIOLENT)
    client.force_login(alice)
    for url in ("/moderation/wellness/", "/moderation/wellness/exposure/", "/moderation/wellness/organisation/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/moderation/items/{item.public_id}/exposure/", {"seconds": "30"}).status_code == 404
    assert not ExposureDay.objects.exists()


# --- exposure ---------------------------------------------------------------------------------------------


def test_time_on_a_graphic_item_is_recorded_capped_and_not_on_others(client, team, alice, moderator):
    graphic, calm = held_item(team, alice, VIOLENT), held_item(team, alice, {"political": 0.8})
    client.force_login(moderator)
    assert client.post(f"/moderation/items/{calm.public_id}/exposure/", {"seconds": "30"}).json()["recorded"] == 0
    assert client.post(f"/moderation/items/{graphic.public_id}/exposure/", {"seconds": "900"}).json()["recorded"] == 30
    # Straight after, a report cannot credit more than the time since the previous one.
    assert client.post(f"/moderation/items/{graphic.public_id}/exposure/", {"seconds": "30"}).json()["recorded"] <= 1
    assert ExposureDay.objects.get(user=moderator).seconds <= 31


def test_past_the_soft_limit_the_queue_and_item_pages_prompt_a_break(client, team, alice, moderator, settings):
    settings.MODERATION_EXPOSURE_SOFT_LIMIT_MINUTES = 1
    item = held_item(team, alice, VIOLENT)
    client.force_login(moderator)
    assert 'id="break-prompt"' not in client.get("/moderation/").content.decode()
    actions.do_record_exposure(moderator, 30)
    actions.do_record_exposure(moderator, 30)
    for url in ("/moderation/", f"/moderation/items/{item.public_id}/"):
        page = client.get(url).content.decode()
        assert 'id="break-prompt"' in page and "Time for a break" in page and "1 min" in page


def test_the_lead_sees_every_moderators_exposure_today_and_this_week(client, moderator, lead, settings):
    import datetime as dt

    from django.utils import timezone

    today = timezone.now().date()
    ExposureDay.objects.create(user=moderator, day=today, seconds=45 * 60)
    ExposureDay.objects.create(user=moderator, day=today - dt.timedelta(days=3), seconds=60 * 60)
    ExposureDay.objects.create(user=moderator, day=today - dt.timedelta(days=9), seconds=500 * 60)  # not this week
    client.force_login(moderator)
    assert client.get("/moderation/wellness/exposure/").status_code == 404
    client.force_login(lead)
    page = client.get("/moderation/wellness/exposure/").content.decode()
    row = page.split("mo@example.org")[1].split("</tr>")[0]
    assert "45 min" in row and "105 min" in row
    assert "over the limit" not in row
    settings.MODERATION_EXPOSURE_SOFT_LIMIT_MINUTES = 40
    row = client.get("/moderation/wellness/exposure/").content.decode().split("mo@example.org")[1].split("</tr>")[0]
    assert "over the limit" in row
    assert "lead@example.org" in page


def test_the_renditions_of_a_quarantined_input_go_with_it_at_retention(client, team, alice, moderator, settings):
    import datetime as dt

    from django.utils import timezone

    from generations.worker.housekeeping import remove_expired_quarantined_inputs

    item = held_item(team, alice, VIOLENT)
    asset = Asset.objects.get(generation=item.generation, role="input_image")
    client.force_login(moderator)
    client.get(media(item))
    client.get(media(item) + "?size=thumb")
    storage, folder = asset.file.storage, f"{actions.RENDITION_PREFIX}/{asset.public_id}"
    assert len(storage.listdir(folder)[1]) == 2
    item.__class__.objects.filter(pk=item.pk).update(decision="rejected")
    old = timezone.now() - dt.timedelta(days=settings.QUARANTINED_INPUT_RETENTION_DAYS + 1)
    Generation.objects.filter(pk=item.generation.pk).update(status="blocked", finished_at=old)
    assert remove_expired_quarantined_inputs() == 1
    assert storage.listdir(folder)[1] == []
