"""The create forms as people use them, over HTTP: a refused try keeps the files already chosen (for their
owner only), refusals read as plain words, every page says what it costs, a remix starts from the remixed
clip's image, and the lip-sync voices have names and samples."""

import re
import wave
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from generations.catalog import VOICE_IDS, VOICE_LABELS
from generations.management.commands.render_voice_samples import VOICES_DIR, render_voice_sample
from generations.models import Generation
from generations.web import kept_uploads
from generations.web.generations import remix_url
from tests.helpers import make_finished_clip
from tests.kinds.media import image_bytes, wav_bytes

pytestmark = pytest.mark.django_db

IMAGE_FORM = {"prompt": "waves roll in", "model": "kling-v1-6", "duration": "5"}


def png(name="harbour.png", seed=1, size=(640, 480)):
    return SimpleUploadedFile(name, image_bytes(size=size, seed=seed), content_type="image/png")


def kept_token(html, field):
    match = re.search(rf'name="keep_{field}" value="([^"]+)"', html)
    return match.group(1) if match else None


def file_input(html, field):
    return re.search(rf'<input type="file" name="{field}"[^>]*>', html).group(0)


def visible_errors(html):
    """(code, words as people read them) of each error on the page."""
    return [(code, unescape(words)) for code, words in re.findall(r'<div class="error" role="alert" data-code="([^"]*)">([^<]*)</div>', html)]


@pytest.fixture
def finished_clip(team, alice):
    """A finished 3-second kling-v1-6 clip of alice's, with its video file (no pipeline needed)."""
    return make_finished_clip(team, alice)


def test_a_refused_try_keeps_both_chosen_images_and_the_next_try_sends_them(client, alice, team, redis_conn):
    """Alice picks a start and an end image but leaves Standard mode on, which kling-v1-6 cannot end on an
    image in. The page says so in words and still shows both pictures; she switches to Professional and
    submits without choosing them again."""
    client.force_login(alice)
    start, end = image_bytes(seed=1), image_bytes(seed=2)
    response = client.post("/generations/new/image/", {
        **IMAGE_FORM, "mode": "std",
        "image": SimpleUploadedFile("start.png", start, content_type="image/png"),
        "image_tail": SimpleUploadedFile("end.png", end, content_type="image/png")})
    assert response.status_code == 400
    html = response.content.decode()
    [(code, words)] = visible_errors(html)
    assert code == "image_tail_not_supported" and "Professional" in words
    assert not re.search(r"\w+_\w+", words)  # no parameter names, no codes in the words
    start_token, end_token = kept_token(html, "image"), kept_token(html, "image_tail")
    assert start_token and end_token
    assert f'src="/generations/new/kept/{start_token}"' in html and "Still using <strong>start.png</strong>" in html
    assert " required" not in file_input(html, "image")  # the browser does not insist on choosing it again
    assert client.get(f"/generations/new/kept/{start_token}").content == start

    response = client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "pro", "keep_image": start_token,
                                                       "keep_image_tail": end_token})
    assert response.status_code == 302, response.content.decode()[:3000]
    generation = Generation.objects.get()
    assert generation.asset("input_image").file.read() == start
    assert generation.asset("input_image_tail").file.read() == end
    assert client.get(f"/generations/new/kept/{start_token}").status_code == 404  # taken: gone


def test_a_kept_image_can_be_replaced_or_removed(client, alice, team, redis_conn):
    client.force_login(alice)
    response = client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "std", "image": png(seed=1),
                                                       "image_tail": png("end.png", seed=2)})
    html = response.content.decode()
    start_token, end_token = kept_token(html, "image"), kept_token(html, "image_tail")
    replacement = image_bytes(seed=3)
    response = client.post("/generations/new/image/", {
        **IMAGE_FORM, "mode": "std", "keep_image": start_token, "image": SimpleUploadedFile("new.png", replacement, "image/png"),
        "keep_image_tail": end_token, "drop_image_tail": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    generation = Generation.objects.get()
    assert generation.asset("input_image").file.read() == replacement and generation.asset("input_image_tail") is None


def test_an_image_the_submit_refuses_is_not_kept(client, alice, team, redis_conn):
    client.force_login(alice)
    response = client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "std", "image": png(size=(200, 200))})
    html = response.content.decode()
    assert response.status_code == 400 and kept_token(html, "image") is None
    [(code, words)] = visible_errors(html)
    assert code == "image_too_small" and words.startswith("Start image must be at least 300 px")


def test_a_kept_file_is_its_owners_alone(client, alice, bob, charlie, team, other_team, redis_conn):
    """Bob works in the same team and Charlie in another: neither can see or send Alice's kept image."""
    client.force_login(alice)
    html = client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "std", "image": png(),
                                                   "image_tail": png("end.png", seed=2)}).content.decode()
    token = kept_token(html, "image")
    for someone in (bob, charlie):
        client.force_login(someone)
        assert client.get(f"/generations/new/kept/{token}").status_code == 404
        response = client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "std", "keep_image": token})
        assert response.status_code == 400 and kept_token(response.content.decode(), "image") is None
    assert not Generation.objects.exists()
    client.logout()
    assert client.get(f"/generations/new/kept/{token}").status_code == 302  # to the sign-in page


def test_kept_files_are_bounded_per_user(alice, redis_conn, settings):
    settings.MAX_UPLOAD_REQUEST_BYTES = 2500
    tokens = [kept_uploads.keep(alice, b"x" * 1000, name=f"{n}.png", content_type="image/png").token for n in range(4)]
    assert [kept_uploads.kept(alice, token) is not None for token in tokens] == [False, False, True, True]  # oldest go
    settings.MAX_UPLOAD_REQUEST_BYTES = 10**9
    tokens = [kept_uploads.keep(alice, b"x", name=f"{n}.png", content_type="image/png").token for n in range(12)]
    assert sum(kept_uploads.kept(alice, token) is not None for token in tokens) == kept_uploads.KEPT_MAX_FILES
    assert 0 < redis_conn.ttl(f"kept-upload:{alice.pk}:{tokens[-1]}") <= kept_uploads.KEPT_SECONDS
    assert kept_uploads.keep(alice, b"x" * (10**9 + 1), name="huge", content_type="image/png") is None


def test_refusals_read_as_plain_words_with_the_code_kept_for_support(client, alice, finished_clip, redis_conn):
    client.force_login(alice)
    response = client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {
        "text": "", "voice_id": "uk_man2", "voice_language": "en", "voice_speed": "1.0"})
    [(code, words)] = visible_errors(response.content.decode())
    assert (code, words) == ("text_required", "Type the words to speak, or choose an audio file.")
    response = client.post("/generations/new/effect/", {"effect_scene": "hug", "image": png(), "model": "kling-v1-6",
                                                        "duration": "5", "mode": "std"})
    [(code, words)] = visible_errors(response.content.decode())
    assert code == "invalid_image_count" and words == "The hug effect needs two people: add the second person's image."
    assert kept_token(response.content.decode(), "image")  # and the first person's image is still there


def test_every_create_page_says_what_it_costs(client, alice, finished_clip, redis_conn):
    client.force_login(alice)
    pages = {path: client.get(path).content.decode() for path in (
        "/generations/new/", "/generations/new/image/", "/generations/new/images/", "/generations/new/effect/",
        f"/generations/{finished_clip.public_id}/extend/", f"/generations/{finished_clip.public_id}/lip-sync/")}
    for path, html in pages.items():
        assert '<p class="cost"' in html, path
    assert 'data-model="kling-v1-6" aria-live' in pages["/generations/new/images/"]
    assert 'data-model="kling-v1-6" data-mode="std" aria-live' in pages["/generations/new/effect/"]
    # kling-v1-6 standard costs 10 credits per 5 s: 5 more seconds, or a lip-sync of the 3-second clip at 5 per 5 s.
    assert "Costs 10 credits: 5 more seconds at kling-v1-6 prices." in pages[f"/generations/{finished_clip.public_id}/extend/"]
    assert "Costs 3 credits, for the clip&#x27;s 3 seconds." in pages[f"/generations/{finished_clip.public_id}/lip-sync/"]


def test_a_remix_of_an_image_clip_starts_from_its_image(client, alice, bob, charlie, team, other_team, redis_conn):
    """Bob remixes Alice's image→video clip: the form already holds her start image and sends it unless he
    picks another. Charlie, in another team, gets an empty form from the same link."""
    client.force_login(alice)
    start = image_bytes(seed=4)
    client.post("/generations/new/image/", {**IMAGE_FORM, "mode": "std",
                                            "image": SimpleUploadedFile("lighthouse.png", start, "image/png")})
    parent = Generation.objects.get()
    url = remix_url(parent)
    assert url.startswith("/generations/new/image/?") and "remix_of=" in url

    client.force_login(charlie)
    html = client.get(url).content.decode()
    assert kept_token(html, "image") is None and " required" in file_input(html, "image")

    client.force_login(bob)
    html = client.get(url).content.decode()
    token = kept_token(html, "image")
    assert token and "from the clip you are remixing" in html
    assert client.get(f"/generations/new/kept/{token}").content == start
    response = client.post(url, {**IMAGE_FORM, "prompt": "waves roll in at night", "mode": "std", "keep_image": token,
                                 "remix_of": str(parent.public_id)})
    assert response.status_code == 302, response.content.decode()[:3000]
    remix = Generation.objects.exclude(pk=parent.pk).get()
    assert remix.asset("input_image").file.read() == start and remix.parent == parent and remix.created_by == bob


def test_lip_sync_voices_have_names_descriptions_and_samples(client, alice, finished_clip, redis_conn):
    assert set(VOICE_LABELS) == set(VOICE_IDS)
    client.force_login(alice)
    html = client.get(f"/generations/{finished_clip.public_id}/lip-sync/").content.decode()
    for voice in VOICE_IDS:
        label = VOICE_LABELS[voice]
        assert f'<option value="{voice}"' in html and f"{label.name} · {label.language}" in html
        sample = Path(VOICES_DIR) / f"{voice}.wav"
        # The committed sample is exactly what the simulator's stand-in voice renders (nothing hand-made).
        assert sample.read_bytes() == render_voice_sample(voice), f"run manage.py render_voice_samples ({voice})"
        with wave.open(str(sample)) as audio:
            assert 1.0 < audio.getnframes() / audio.getframerate() < 5.0
    assert '<audio class="voice-player" controls preload="none" src="/static/studio/voices/oversea_male1.wav"' in html
    assert "placeholders made by the studio's offline simulator" in html
    assert Path(settings.BASE_DIR, "studio/static/studio/voices").is_dir()


def test_a_lip_sync_audio_file_is_kept_too(client, alice, finished_clip, redis_conn):
    client.force_login(alice)
    audio = wav_bytes(2.5)
    response = client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {
        "text": "", "voice_id": "uk_man2", "voice_language": "en", "voice_speed": "9",
        "audio": SimpleUploadedFile("line.wav", audio, "audio/wav")})
    assert response.status_code == 400
    token = kept_token(response.content.decode(), "audio")
    assert token and client.get(f"/generations/new/kept/{token}")["Content-Type"] == "audio/wav"
    response = client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {
        "text": "", "voice_id": "uk_man2", "voice_language": "en", "voice_speed": "1.0", "keep_audio": token})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Generation.objects.get(kind="lip-sync").asset("input_audio").file.read() == audio
