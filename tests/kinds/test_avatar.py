"""The avatar kind (avatar/image2video) end to end: a portrait plus speech (uploaded audio, or text read by a
voice) becomes a talking clip. Validation in the catalog and in the simulator, the same pipeline as every
kind (screening of the words, faces and consent, credits, a real RQ worker, the simulator over loopback
HTTP, the output scan), both doors, both providers, and the contract the provider client speaks."""


import av
import pytest

from generations import catalog
from generations.catalog import AVATAR, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_media_inputs
from generations.models import AssetRole, Generation, ReviewItem
from generations.pricing import price_generation
from generations.providers.base import ProviderError
from generations.simulator.validation import ApiError, AvatarRequest, validate_create
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import assert_books_balance, drive_to_terminal
from tests.kinds.media import b64, image_bytes, wav_bytes
from tests.kinds.support import HARMFUL_WORDS, assert_never_sent_and_nothing_charged, content, create, face_b64


def kling_post(client, key, body):
    return client.post("/kling/v1/videos/avatar/image2video", body, content_type="application/json", **bearer(key))


def has_audio_stream(generation):
    with generation.asset(AssetRole.VIDEO).file.open("rb") as stored, av.open(stored) as container:
        return bool(container.streams.audio)


# --- validation: the catalog ------------------------------------------------------------------------

def validated(**fields):
    return validate_generation_request(load_media_inputs({"kind": AVATAR, **fields}), default_model="kling-v1-6")


@pytest.mark.django_db
def test_valid_avatar_requests_with_text_or_with_audio():
    spoken = validated(image=b64(image_bytes()), text="Hello and welcome to the studio!", voice_id="uk_man2", mode="pro")
    assert spoken.kind == "avatar/image2video" and spoken.model_name == catalog.AVATAR_MODEL and spoken.mode == "pro"
    assert spoken.options == {"speech": "text", "text": "Hello and welcome to the studio!", "voice_id": "uk_man2",
                              "voice_language": "en", "voice_speed": 1.0}
    assert spoken.duration == str(catalog.spoken_seconds("Hello and welcome to the studio!")) == "3"
    assert spoken.image is not None and spoken.audio is None and spoken.screened_text == "Hello and welcome to the studio!"
    # The native API's default duration "5" is ignored: the speech decides the length.
    voiced = validated(image=b64(image_bytes()), audio=b64(wav_bytes(3.0)), prompt="she nods gently", duration="5")
    assert voiced.options == {"speech": "audio"} and voiced.duration == "3" and voiced.mode == "std"
    assert voiced.screened_text == "she nods gently"
    both = validated(image=b64(image_bytes()), text="Good morning", prompt="smiling warmly")
    assert both.screened_text == "Good morning\nsmiling warmly"  # the words and the prompt are both screened


@pytest.mark.django_db
@pytest.mark.parametrize("fields, code, field", [
    ({"text": "Hello there"}, "image_required", "image"),
    ({"image": "IMAGE"}, "text_required", "text"),
    ({"image": "IMAGE", "text": "Hello there", "audio": "AUDIO"}, "options_conflict", "audio"),
    ({"image": "IMAGE", "text": "x" * 121}, "text_too_long", "text"),
    ({"image": "IMAGE", "text": "Hello there", "voice_id": "robot"}, "invalid_voice", "voice_id"),
    ({"image": "IMAGE", "text": "Hello there", "voice_speed": 3}, "invalid_voice_speed", "voice_speed"),
    ({"image": "IMAGE", "text": "Hello there", "mode": "max"}, "invalid_mode", "mode"),
    ({"image": "IMAGE", "text": "Hello there", "model": "kling-v1-6"}, "model_not_capable", "model"),
    ({"image": "IMAGE", "text": "Hello there", "negative_prompt": "blur"}, "field_not_applicable", "negative_prompt"),
    ({"image": "IMAGE", "text": "Hello there", "image_tail": "IMAGE"}, "field_not_applicable", "image_tail"),
    ({"image": "IMAGE", "text": "Hello there", "prompt": "p" * 2501}, "prompt_too_long", "prompt"),
])
def test_invalid_avatar_requests_have_stable_codes(fields, code, field):
    media = {"IMAGE": b64(image_bytes()), "AUDIO": b64(wav_bytes(3.0))}
    fields = {name: media.get(value, value) if isinstance(value, str) else value for name, value in fields.items()}
    with pytest.raises(GenerationError) as caught:
        validated(**fields)
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.django_db
def test_audio_is_only_for_kinds_that_speak():
    with pytest.raises(GenerationError) as caught:
        load_media_inputs({"kind": "image2video", "image": b64(image_bytes()), "audio": b64(wav_bytes(3.0))})
    assert caught.value.code == "audio_not_applicable" and "avatar/image2video" in caught.value.message


def test_an_avatar_is_priced_by_the_seconds_of_its_speech_and_its_mode():
    assert price_generation(AVATAR, catalog.AVATAR_MODEL, "std", "3") == 6
    assert price_generation(AVATAR, catalog.AVATAR_MODEL, "pro", "3") == 12
    assert price_generation(AVATAR, catalog.AVATAR_MODEL, "std", "10") == 20
    assert price_generation(AVATAR, catalog.AVATAR_MODEL, "std", "3", table={AVATAR: {"std": 50}}) == 30
    with pytest.raises(ValueError):
        price_generation(AVATAR, catalog.AVATAR_MODEL, "max", "3")
    assert catalog.spoken_seconds("hi") == catalog.AVATAR_MIN_SECONDS
    assert catalog.spoken_seconds("x" * 120) == 8 and catalog.spoken_seconds("x" * 120, 2.0) == 4


# --- validation: the simulator (the upstream's codes and wording) -----------------------------------

SIM_IMAGE = b64(image_bytes())


def test_the_simulator_accepts_an_avatar_with_text_or_a_sound_file():
    spoken = validate_create(AVATAR, {"image": SIM_IMAGE, "text": "Welcome aboard!", "voice_id": "uk_man2", "mode": "pro"})
    assert isinstance(spoken, AvatarRequest) and spoken.mode == "pro" and spoken.audio is None
    assert 2.0 <= spoken.duration_s < 3.0  # a short line is padded to the 2 s minimum, not cut
    voiced = validate_create(AVATAR, {"image": SIM_IMAGE, "sound_file": b64(wav_bytes(4.0)), "external_task_id": "mine"})
    assert voiced.audio is not None and voiced.duration_s == pytest.approx(4.0, abs=0.05) and voiced.external_task_id == "mine"


@pytest.mark.parametrize("body, code, message", [
    ({"text": "hi there", "voice_id": "uk_man2"}, 1201, "image is required"),
    ({"image": SIM_IMAGE}, 1201, "exactly one of sound_file, audio_id and text is required"),
    ({"image": SIM_IMAGE, "text": "hi there", "voice_id": "uk_man2", "sound_file": "AAAA"}, 1201, "exactly one of"),
    ({"image": SIM_IMAGE, "text": "x" * 121, "voice_id": "uk_man2"}, 1201, "text cannot be longer than 120"),
    ({"image": SIM_IMAGE, "text": "   ", "voice_id": "uk_man2"}, 1201, "text cannot be blank"),
    ({"image": SIM_IMAGE, "text": "hi there", "voice_id": "robot"}, 1201, "voice_id must be one of"),
    ({"image": SIM_IMAGE, "audio_id": "tts-123"}, 1201, "audio_id tts-123 does not exist"),
    ({"image": SIM_IMAGE, "sound_file": b64(wav_bytes(1.0))}, 1201, "audio duration must be between 2s and 60s"),
    ({"image": SIM_IMAGE, "text": "hi there", "voice_id": "uk_man2", "mode": "max"}, 1201, "mode must be one of"),
    ({"image": "data:image/png;base64,AAAA", "text": "hi there", "voice_id": "uk_man2"}, 1201, "image must be raw Base64"),
    ({"image": SIM_IMAGE, "text": "show me naked", "voice_id": "uk_man2"}, 1301, "Trigger the content security policy"),
    ({"image": SIM_IMAGE, "text": "hello", "voice_id": "uk_man2", "prompt": "porn"}, 1301, "Trigger the content security"),
])
def test_the_simulator_refuses_bad_avatars_as_upstream(body, code, message):
    with pytest.raises(ApiError) as caught:
        validate_create(AVATAR, body)
    assert caught.value.code == code and caught.value.message.startswith(message), caught.value.message


# --- end to end: the native API ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_native_api_makes_a_talking_avatar_from_text_and_from_audio(client, use_simulator, redis_conn, team, alice_key):
    response = create(client, alice_key, kind=AVATAR, image=b64(image_bytes()), text="Good morning, it is a lovely sunny day.",
                      voice_id="calm_story1")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "avatar/image2video" and body["model"] == "kling-avatar" and body["duration"] == "3"
    assert body["status"] == "queued", (body, Generation.objects.get(public_id=body["id"]).screening_result)
    spoken = drive_to_terminal(body["id"])
    assert spoken.status == "succeeded", (spoken.error_code, spoken.error_message)
    assert spoken.price_credits == 6 and spoken.credit_state == "captured"
    assert spoken.options["text"] == "Good morning, it is a lovely sunny day." and has_audio_stream(spoken)
    assert 2.0 <= spoken.asset(AssetRole.VIDEO).duration_s <= 4.0
    assert spoken.screening_result["likeness"]["decision"] == "allow"  # no face in the picture: nothing re-animated

    voiced = create(client, alice_key, kind=AVATAR, image=b64(image_bytes(seed=2)), audio=b64(wav_bytes(4.0)), mode="pro")
    assert voiced.status_code == 202, voiced.content
    generation = drive_to_terminal(voiced.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.price_credits == 16 and generation.mode == "pro" and has_audio_stream(generation)
    assert generation.asset(AssetRole.VIDEO).duration_s == pytest.approx(4.0, abs=0.3)
    assert generation.asset(AssetRole.INPUT_AUDIO).duration_s == pytest.approx(4.0, abs=0.05)
    assert generation.asset(AssetRole.INPUT_IMAGE) is not None
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_harmful_spoken_words_are_a_policy_error_with_nothing_charged(client, use_simulator, redis_conn, team, alice_key):
    before = team.credits_available
    native = create(client, alice_key, kind=AVATAR, image=b64(image_bytes()), text=HARMFUL_WORDS)
    assert native.status_code == 422, native.content
    assert native.json()["error"]["code"] == "policy_violation"
    kling = kling_post(client, alice_key, {"image": b64(image_bytes()), "text": HARMFUL_WORDS, "voice_id": "uk_man2"})
    assert kling.status_code == 400 and kling.json()["code"] == 1301, kling.content
    assert "data" not in kling.json()
    blocked = Generation.objects.filter(kind=AVATAR)
    assert blocked.count() == 2 and all(g.status == "blocked" and g.credit_state == "none" for g in blocked)
    assert_never_sent_and_nothing_charged(blocked, team, before)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_portrait_of_a_real_face_waits_for_a_moderator_unless_consent_is_recorded(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    from generations.actions import consent

    held = create(client, alice_key, kind=AVATAR, image=face_b64(), text="Hello, my name is Grace and I love computers.")
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    generation = Generation.objects.get(public_id=held.json()["id"])
    assert generation.screening_result["likeness"]["reanimation"] == "talking_portrait"
    assert generation.screening_result["likeness"]["inputs_with_faces"] == ["image"]
    assert generation.credit_state == "reserved" and not generation.provider_task_id
    item = ReviewItem.objects.get(generation=generation)
    assert item.stage == "input" and item.categories == {"deepfake": 0.6}

    record = consent.do_record_consent(team=team, user=alice, subject_name="Grace Hopper",
                                       statement="Signed likeness release for talking avatars, 2026-11-30")
    allowed = create(client, alice_key, kind=AVATAR, image=face_b64(), text="Hello, my name is Grace and I love computers.",
                     consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    finished = drive_to_terminal(allowed.json()["id"])
    assert finished.status == "succeeded", (finished.error_code, finished.error_message)
    assert finished.options["consent_id"] == str(record.public_id)
    assert finished.screening_result["likeness"]["consent_id"] == str(record.public_id)


# --- end to end: the Kling door ---------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_creates_queries_and_lists_avatars(client, use_simulator, redis_conn, team, alice_key):
    created = kling_post(client, alice_key, {"image": b64(image_bytes()), "sound_file": b64(wav_bytes(3.0)),
                                             "prompt": "a calm presenter", "mode": "std", "external_task_id": "avatar-1"})
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    data = created.json()["data"]
    assert data["task_status"] == "submitted" and data["task_info"]["external_task_id"] == "avatar-1"
    generation = drive_to_terminal(data["task_id"])
    assert generation.status == "succeeded" and generation.kind == AVATAR and has_audio_stream(generation)

    for ident in (data["task_id"], "avatar-1"):
        queried = client.get(f"/kling/v1/videos/avatar/image2video/{ident}", **bearer(alice_key)).json()
        assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed"
        video = queried["data"]["task_result"]["videos"][0]
        assert float(video["duration"]) == pytest.approx(3.0, abs=0.3) and video["url"]
    listed = client.get("/kling/v1/videos/avatar/image2video?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [data["task_id"]]
    # Under another kind's path it does not exist, as upstream.
    assert client.get(f"/kling/v1/videos/image2video/{data['task_id']}", **bearer(alice_key)).json()["code"] == 1203


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body, message", [
    ({"text": "hello there"}, "image"),
    ({"image": "IMAGE", "audio_id": "tts-1"}, "audio_id is not supported"),
    ({"image": "IMAGE", "sound_file": "https://example.org/hello.mp3"}, "URLs are not fetched"),
    ({"image": "IMAGE", "sound_file": "not audio at all"}, "audio"),
    ({"image": "IMAGE", "text": "hello there", "negative_prompt": "blur"}, "negative_prompt"),
    ({"image": "IMAGE", "text": "x" * 121}, "120"),
])
def test_kling_door_refuses_bad_avatars_with_1201(client, redis_conn, team, alice_key, body, message):
    body = {name: b64(image_bytes()) if value == "IMAGE" else value for name, value in body.items()}
    response = kling_post(client, alice_key, body)
    assert response.status_code == 400 and response.json()["code"] == 1201, response.content
    assert message in response.json()["message"]
    assert not Generation.objects.exists()


# --- both providers, and the contract -----------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_submit_and_poll_the_avatar_route(client, alice_key, provider):
    response = create(client, alice_key, kind=AVATAR, image=b64(image_bytes()), text="Thanks for watching!", voice_id="uk_boy1")
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.provider_task_id and generation.provider_video_id


@pytest.mark.e2e
@pytest.mark.django_db
def test_contract_the_payload_the_pipeline_builds_is_what_the_simulator_accepts(upstream, team, alice):
    """The request shape (pipeline.upstream_payload) against the simulator, through the provider client,
    and the response shapes it reads back: create, query by either id, list; 1301 and 1201 refusals."""
    import time

    submitted = validated(image=b64(image_bytes()), audio=b64(wav_bytes(3.0)), prompt="she smiles")
    generation = Generation.objects.create(team=team, created_by=alice, kind=AVATAR, prompt=submitted.prompt,
                                           model_name=submitted.model_name, mode="std", duration=submitted.duration,
                                           options=submitted.options)
    generation.assets.create(role=AssetRole.INPUT_IMAGE, file=content("in.png", submitted.image.data),
                             content_type="image/png", size_bytes=len(submitted.image.data), sha256="x")
    generation.assets.create(role=AssetRole.INPUT_AUDIO, file=content("in.wav", submitted.audio.data),
                             content_type="audio/wav", size_bytes=len(submitted.audio.data), sha256="y")
    payload = pipeline.upstream_payload(generation)
    assert set(payload) == {"image", "mode", "prompt", "sound_file", "external_task_id"}
    assert not payload["image"].startswith("data:") and not payload["sound_file"].startswith("data:")

    created = upstream.create_task(AVATAR, payload)
    assert created.status == "submitted" and created.task_id.isdigit()
    deadline = time.monotonic() + 20
    while not (task := upstream.get_task(AVATAR, created.task_id)).finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert task.status == "succeed" and task.video_url and task.video_duration_s == pytest.approx(3.0, abs=0.1)
    assert upstream.get_task(AVATAR, str(generation.public_id)).task_id == created.task_id
    assert [listed.task_id for listed in upstream.list_tasks(AVATAR)] == [created.task_id]

    with pytest.raises(ProviderError) as refused:
        upstream.create_task(AVATAR, {**payload, "prompt": "nsfw", "external_task_id": "other"})
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as invalid:
        upstream.create_task(AVATAR, {"sound_file": payload["sound_file"]})
    assert (invalid.value.upstream_code, invalid.value.permanent) == (1201, True)


def test_the_likeness_and_age_rules_treat_any_face_in_an_avatar_portrait_as_re_animated():
    from generations.actions.generation import reanimation_kind
    from generations.moderation.visual import likeness, minors

    assert reanimation_kind(kind=AVATAR) == likeness.TALKING_PORTRAIT == "talking_portrait"
    held = likeness.likeness_decision(face_counts={"image": 1}, reanimation=likeness.TALKING_PORTRAIT)
    assert held.decision == "review" and held.categories == {"deepfake": 0.6} and "portrait speak" in held.reason
    covered = likeness.likeness_decision(face_counts={"image": 1}, reanimation=likeness.TALKING_PORTRAIT, consent_id="c-1")
    assert covered.decision == "allow" and covered.consent_id == "c-1"
    faceless = likeness.likeness_decision(face_counts={"image": 0}, reanimation=likeness.TALKING_PORTRAIT)
    assert faceless.decision == "allow"
    rule = dict(reanimation=likeness.TALKING_PORTRAIT, prompt_sexual=0.0, sexual_low=0.2, margin_years=7)
    assert minors.input_minor_rule(youngest_age=12, **rule) == "making a portrait of an apparent minor speak"
    assert minors.input_minor_rule(youngest_age=40, **rule) == ""
