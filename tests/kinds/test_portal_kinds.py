"""The portal's forms for the newer kinds: what they send is what the API would, refusals land on the form."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generations.models import Generation
from tests.helpers import make_finished_clip
from tests.kinds.media import image_bytes, wav_bytes

pytestmark = pytest.mark.django_db


def upload(name, data, content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def finished_clip(team, alice, tmp_path, settings):
    """A succeeded clip row with a real video file (no pipeline needed for form tests)."""
    return make_finished_clip(team, alice)


def test_several_images(client, alice, team, redis_conn):
    client.force_login(alice)
    response = client.post("/generations/new/images/", {
        "image": upload("a.png", image_bytes(seed=1)), "image_2": upload("b.png", image_bytes(seed=2)),
        "prompt": "a parade", "duration": "5", "aspect_ratio": "9:16", "mode": "std"})
    assert response.status_code == 302, response.content.decode()[:2000]
    generation = Generation.objects.get()
    assert generation.kind == "multi-image2video" and generation.aspect_ratio == "9:16"
    assert sorted(a.role for a in generation.assets.all()) == ["input_image", "input_image_2"]


def test_effect_form_refuses_a_two_person_effect_with_one_image(client, alice, team, redis_conn):
    client.force_login(alice)
    response = client.post("/generations/new/effect/", {"effect_scene": "hug", "image": upload("a.png", image_bytes()),
                                                        "model": "kling-v1-6", "duration": "5", "mode": "std"})
    assert response.status_code == 400 and "invalid_image_count" in response.content.decode()
    response = client.post("/generations/new/effect/", {"effect_scene": "squish", "image": upload("a.png", image_bytes()),
                                                        "model": "kling-v1-6", "duration": "5", "mode": "std"})
    assert response.status_code == 302
    assert Generation.objects.get().options == {"effect_scene": "squish"}


def test_extend_and_lip_sync_forms(client, alice, finished_clip, redis_conn):
    client.force_login(alice)
    page = client.get(f"/generations/{finished_clip.public_id}/extend/")
    assert page.status_code == 200 and b"a boat" in page.content
    assert client.post(f"/generations/{finished_clip.public_id}/extend/", {"prompt": "then it rains"}).status_code == 302
    extended = Generation.objects.get(kind="video-extend")
    assert extended.parent == finished_clip and extended.duration == "8"

    response = client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {
        "text": "", "voice_id": "uk_man2", "voice_language": "en", "voice_speed": "1.0",
        "audio": upload("line.wav", wav_bytes(2.5), "audio/wav")})
    assert response.status_code == 302, response.content.decode()[:2000]
    synced = Generation.objects.get(kind="lip-sync")
    assert synced.options == {"mode": "audio2video"} and synced.asset("input_audio").content_type == "audio/wav"

    response = client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {
        "text": "", "voice_id": "uk_man2", "voice_language": "en", "voice_speed": "1.0"})
    assert response.status_code == 400 and "text_required" in response.content.decode()


def test_parent_pages_of_another_team_are_404(client, charlie, other_team, finished_clip):
    client.force_login(charlie)
    assert client.get(f"/generations/{finished_clip.public_id}/extend/").status_code == 404
    assert client.post(f"/generations/{finished_clip.public_id}/lip-sync/", {"text": "hi"}).status_code == 404
    assert not Generation.objects.filter(team=other_team).exists()
