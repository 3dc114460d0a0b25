"""kling-v3 multi-shot scripts and native audio (`sound`) on kling-v2-6 (pro) and kling-v3, end to end:
the catalog checks them as the upstream does, every shot is screened on its own, the Kling door and the
native API take them, the worker passes them upstream, and the simulator renders a clip with sound."""

import av
import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Team, User
from generations.actions.review_queue import do_open_review_for_held
from generations.catalog import validate_generation_request
from generations.errors import GenerationError
from generations.models import AssetRole, Generation
from generations.pricing import price_generation
from generations.simulator.validation import ApiError, validate_create
from generations.worker.pipeline import upstream_payload
from tests.conftest import bearer
from tests.helpers import drive_to_terminal
from tests.kinds.media import b64, image_bytes

BENIGN_SHOTS = [
    {"index": 1, "prompt": "A lighthouse on a cliff at dawn, waves below", "duration": "3"},
    {"index": 2, "prompt": "Close on the lamp as it turns, gulls passing", "duration": "5"},
]
HARMFUL = "explicit sex between two strangers on the beach"
THREE_SHOTS = [
    {"index": 1, "prompt": "A quiet beach at sunrise, long shadows", "duration": "3"},
    {"index": 2, "prompt": "A dog runs along the waterline chasing a ball", "duration": "3"},
    {"index": 3, "prompt": HARMFUL, "duration": "4"},
]


def check(**data):
    return validate_generation_request(data, default_model="kling-v1-6")


def refused(**data):
    with pytest.raises(GenerationError) as raised:
        check(**data)
    return raised.value


# --- the catalog, both ways ---------------------------------------------------------------------


def test_a_custom_script_is_stored_in_options_and_needs_no_overall_prompt():
    request = check(model="kling-v3", duration="8", multi_shot=True, shot_type="customize",
                    multi_prompt=[{**BENIGN_SHOTS[1], "index": 2, "duration": 5}, BENIGN_SHOTS[0]], sound="on")
    assert request.prompt == "" and request.duration == "8"
    assert request.options == {"multi_shot": True, "shot_type": "customize", "sound": "on",
                               "multi_prompt": BENIGN_SHOTS}  # sorted by index, durations as strings
    assert request.screened_segments == ((1, BENIGN_SHOTS[0]["prompt"]), (2, BENIGN_SHOTS[1]["prompt"]))
    assert "Shot 2: Close on the lamp" in request.screened_text


@pytest.mark.parametrize("data, options", [
    ({"model": "kling-v3", "prompt": "A chase over rooftops", "multi_shot": True, "shot_type": "intelligence"},
     {"multi_shot": True, "shot_type": "intelligence"}),
    ({"model": "kling-v2-6", "mode": "pro", "prompt": "Rain on a tin roof", "sound": "on"}, {"sound": "on"}),
    ({"model": "kling-v3", "mode": "std", "prompt": "Rain on a tin roof", "sound": True, "duration": "15"}, {"sound": "on"}),
    ({"model": "kling-v3", "prompt": "Rain on a tin roof", "sound": "off", "duration": 3}, {}),
    ({"model": "kling-v2-6", "prompt": "Rain on a tin roof", "sound": "off", "multi_shot": False}, {}),
])
def test_accepted(data, options):
    assert check(**data).options == options


@pytest.mark.parametrize("data, code, words", [
    ({"model": "kling-v2-6", "mode": "std", "sound": "on"}, "sound_not_supported", "std mode is only no audio"),
    ({"model": "kling-v2-5-turbo", "mode": "pro", "sound": "on"}, "sound_not_supported", "does not support sound"),
    ({"model": "kling-v3", "sound": "loud"}, "invalid_sound", "sound must be on or off"),
    ({"model": "kling-v2-6", "multi_shot": True, "shot_type": "intelligence"}, "multi_shot_not_supported", "use kling-v3"),
    ({"model": "kling-v3", "multi_shot": True, "shot_type": "random"}, "invalid_shot_type", "customize or intelligence"),
    ({"model": "kling-v3", "shot_type": "customize", "multi_prompt": BENIGN_SHOTS}, "field_not_applicable", "multi_shot true"),
    ({"model": "kling-v3", "multi_shot": True, "shot_type": "intelligence", "multi_prompt": BENIGN_SHOTS},
     "field_not_applicable", "only used with shot_type customize"),
    ({"model": "kling-v3", "multi_shot": True, "shot_type": "customize"}, "multi_prompt_required", "multi_prompt"),
    ({"model": "kling-v3", "duration": "14", "multi_shot": True,
      "multi_prompt": [{"index": n, "prompt": f"shot number {n}", "duration": 2} for n in range(1, 8)]},
     "too_many_shots", "at most 6 shots"),
    ({"model": "kling-v3", "duration": "5", "multi_shot": True, "multi_prompt": BENIGN_SHOTS},
     "shot_durations_mismatch", "sum to 8 s"),
    ({"model": "kling-v3", "duration": "8", "multi_shot": True,
      "multi_prompt": [BENIGN_SHOTS[0], {**BENIGN_SHOTS[1], "prompt": "x" * 513}]}, "shot_prompt_too_long", "512"),
    ({"model": "kling-v3", "duration": "8", "multi_shot": True,
      "multi_prompt": [BENIGN_SHOTS[0], {**BENIGN_SHOTS[1], "index": 3}]}, "invalid_multi_prompt", "1 to 2"),
    ({"model": "kling-v3", "prompt": "", "multi_shot": True, "shot_type": "intelligence"}, "prompt_required", "prompt"),
    ({"model": "kling-v3", "prompt": "a", "duration": "16"}, "invalid_duration", "3, 4, 5"),
    ({"model": "kling-v2-6", "prompt": "a", "duration": "8"}, "invalid_duration", "5, 10"),
    ({"kind": "image2video", "model": "kling-v3", "prompt": "a", "aspect_ratio": "9:16"}, "field_not_applicable",
     "follows the input image"),
    ({"kind": "effects", "effect_scene": "squish", "sound": "on"}, "sound_not_supported", "effects"),
])
def test_refused(data, code, words):
    error = refused(**{"prompt": "A harbour", **data})
    assert error.code == code and words in error.message, (error.code, error.message)


def test_sound_on_costs_half_as_much_again():
    silent = price_generation("text2video", "kling-v3", "std", "8")
    assert silent == 32 and price_generation("text2video", "kling-v3", "std", "8", sound=True) == 48


# --- the simulator validates the same way -------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"model_name": "kling-v2-6", "prompt": "a", "sound": "on"},
    {"model_name": "kling-v2-6", "prompt": "a", "multi_shot": True, "shot_type": "intelligence"},
    {"model_name": "kling-v3", "duration": "5", "multi_shot": True, "shot_type": "customize", "multi_prompt": BENIGN_SHOTS},
    {"model_name": "kling-v3", "duration": "8", "multi_shot": True, "shot_type": "customize",
     "multi_prompt": [BENIGN_SHOTS[0], {**BENIGN_SHOTS[1], "prompt": "y" * 513}]},
])
def test_the_simulator_refuses_what_the_catalog_refuses(body):
    with pytest.raises(ApiError) as raised:
        validate_create("text2video", body)
    assert (raised.value.http_status, raised.value.code) == (400, 1201)


def test_the_simulator_screens_every_shot_and_takes_a_good_script():
    with pytest.raises(ApiError) as raised:
        validate_create("text2video", {"model_name": "kling-v3", "duration": "10", "multi_shot": True,
                                       "shot_type": "customize", "multi_prompt": THREE_SHOTS})
    assert raised.value.code == 1301
    request = validate_create("text2video", {"model_name": "kling-v3", "duration": "8", "multi_shot": True, "sound": "on",
                                             "shot_type": "customize", "multi_prompt": BENIGN_SHOTS})
    assert request.sound == "on" and [shot["index"] for shot in request.shots] == [1, 2]


# --- the doors ----------------------------------------------------------------------------------


def kling_post(client, key, body, kind="text2video"):
    return client.post(f"/kling/v1/videos/{kind}", body, content_type="application/json", **bearer(key))


@pytest.mark.django_db
def test_sound_on_v2_6_std_is_refused_by_the_door_as_by_the_upstream(client, simulator, redis_conn, alice_key):
    body = {"model_name": "kling-v2-6", "mode": "std", "prompt": "Rain on a tin roof", "sound": "on"}
    upstream = httpx.post(f"{simulator.url}/v1/videos/text2video", json=body, headers={"Authorization": "Bearer t"}, timeout=10)
    studio = kling_post(client, alice_key, body)
    assert (studio.status_code, studio.json()["code"]) == (upstream.status_code, upstream.json()["code"]) == (400, 1201)
    assert "only no audio" in studio.json()["message"]
    assert not Generation.objects.exists()


@pytest.mark.django_db
def test_the_door_takes_sound_and_a_script_and_the_worker_sends_them_upstream(client, redis_conn, alice_key):
    body = {"model_name": "kling-v3", "mode": "pro", "duration": "8", "sound": "on", "multi_shot": True,
            "shot_type": "customize", "multi_prompt": BENIGN_SHOTS}
    response = kling_post(client, alice_key, body)
    assert response.json()["code"] == 0, response.json()
    generation = Generation.objects.get(public_id=response.json()["data"]["task_id"])
    assert generation.options["sound"] == "on" and generation.options["multi_prompt"] == BENIGN_SHOTS
    assert generation.price_credits == 144  # kling-v3 pro, 8 s (96) with sound (x1.5)
    payload = upstream_payload(generation)
    assert payload["sound"] == "on" and payload["multi_shot"] is True and payload["shot_type"] == "customize"
    assert payload["multi_prompt"] == BENIGN_SHOTS and "prompt" not in payload


@pytest.mark.django_db
def test_image2video_on_v3_refuses_aspect_ratio_at_the_door(client, redis_conn, alice_key):
    body = {"model_name": "kling-v3", "image": b64(image_bytes()), "aspect_ratio": "16:9", "prompt": "It turns"}
    response = kling_post(client, alice_key, body, kind="image2video")
    assert (response.status_code, response.json()["code"]) == (400, 1201)
    assert "aspect_ratio" in response.json()["message"] and not Generation.objects.exists()


@pytest.mark.django_db
def test_a_harmful_third_shot_blocks_the_kling_request_and_names_the_shot(client, redis_conn, alice_key, team):
    body = {"model_name": "kling-v3", "duration": "10", "multi_shot": True, "shot_type": "customize",
            "multi_prompt": THREE_SHOTS}
    response = kling_post(client, alice_key, body)
    assert (response.status_code, response.json()["code"]) == (400, 1301)
    assert response.json()["message"] == "Trigger the content security policy of the platform (multi_prompt shot 3)"
    generation = Generation.objects.get()
    assert (generation.status, generation.credit_state, generation.provider_task_id) == ("blocked", "none", "")
    assert generation.screening_result["decided_by"]["shot"] == 3
    assert generation.error_message.startswith("Shot 3 of this prompt was blocked")
    team = Team.objects.get(pk=team.pk)
    assert (team.credits_available, team.credits_reserved) == (10_000, 0)  # nothing charged


@pytest.mark.django_db
def test_a_harmful_third_shot_is_a_policy_error_on_the_native_api(client, redis_conn, alice_key, team):
    response = client.post("/api/v1/generations", {
        "model": "kling-v3", "prompt": "A day at the seaside", "duration": "10", "multi_shot": True,
        "shot_type": "customize", "multi_prompt": THREE_SHOTS,
    }, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "policy_violation" and error["message"].startswith("Shot 3 of this prompt was blocked")
    assert HARMFUL not in error["message"]
    team = Team.objects.get(pk=team.pk)
    assert (team.credits_available, team.credits_reserved) == (10_000, 0)
    assert Generation.objects.get().credit_state == "none"


@pytest.mark.django_db
def test_the_same_shots_without_the_harmful_one_are_not_blocked(client, redis_conn, alice_key):
    body = {"model_name": "kling-v3", "duration": "6", "multi_shot": True, "shot_type": "customize",
            "multi_prompt": THREE_SHOTS[:2]}
    assert kling_post(client, alice_key, body).json()["code"] == 0


# --- the portal form ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_sends_a_script_whose_duration_is_its_shots_together(client, redis_conn, alice, team):
    client.force_login(alice)
    form = {"model": "kling-v3", "mode": "pro", "duration": "5", "aspect_ratio": "16:9", "multi_shot": "on", "sound": "on",
            "shot_1_prompt": BENIGN_SHOTS[0]["prompt"], "shot_1_duration": "3",
            "shot_2_prompt": BENIGN_SHOTS[1]["prompt"], "shot_2_duration": "5", "shot_3_duration": "3"}
    response = client.post("/generations/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    generation = Generation.objects.get()
    assert (generation.duration, generation.prompt, generation.options["multi_prompt"]) == ("8", "", BENIGN_SHOTS)
    assert generation.options["sound"] == "on" and generation.price_credits == 144


@pytest.mark.django_db
def test_the_form_says_when_the_shots_run_too_long_and_when_nothing_is_written(client, redis_conn, alice, team):
    client.force_login(alice)
    long = client.post("/generations/new/", {"model": "kling-v3", "mode": "std", "duration": "5", "aspect_ratio": "16:9",
                                             "multi_shot": "on", "shot_1_prompt": "A field", "shot_1_duration": "10",
                                             "shot_2_prompt": "A river", "shot_2_duration": "8"})
    assert long.status_code == 400 and "The shots add up to 18 seconds" in long.content.decode()
    empty = client.post("/generations/new/", {"model": "kling-v3", "mode": "std", "duration": "5", "aspect_ratio": "16:9"})
    assert empty.status_code == 400 and 'data-code="prompt_required"' in empty.content.decode()
    assert not Generation.objects.exists()


def image_form(**fields):
    """The image→video form's fields with a start picture (a fresh upload each call)."""
    return {"image": SimpleUploadedFile("start.png", image_bytes(), content_type="image/png"), **fields}


@pytest.mark.django_db
def test_the_image_form_sends_sound_and_a_script_whose_duration_is_its_shots_together(client, redis_conn, alice, team):
    client.force_login(alice)
    form = image_form(model="kling-v3", mode="std", duration="5", multi_shot="on", sound="on",
                      shot_1_prompt=BENIGN_SHOTS[0]["prompt"], shot_1_duration="3",
                      shot_2_prompt=BENIGN_SHOTS[1]["prompt"], shot_2_duration="5", shot_3_duration="3")
    response = client.post("/generations/new/image/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    generation = Generation.objects.get()
    assert (generation.kind, generation.duration, generation.aspect_ratio) == ("image2video", "8", "")
    assert generation.options == {"multi_shot": True, "shot_type": "customize", "sound": "on", "multi_prompt": BENIGN_SHOTS}
    assert generation.price_credits == price_generation("image2video", "kling-v3", "std", 8, sound=True)
    assert generation.asset(AssetRole.INPUT_IMAGE) is not None


@pytest.mark.django_db
def test_the_image_form_refuses_in_the_catalogs_words_and_keeps_what_was_typed(client, redis_conn, alice, team):
    client.force_login(alice)
    # kling-v2-6 makes sound only in professional mode: the catalog's refusal, on the Sound field.
    std = client.post("/generations/new/image/", image_form(model="kling-v2-6", mode="std", duration="5", sound="on",
                                                           prompt="Leaves drift past the window"))
    page = std.content.decode()
    assert std.status_code == 400 and 'data-code="sound_not_supported"' in page
    assert "v2-6 in std mode is only no audio: sound on needs mode pro." in page  # the catalog's words
    assert "Leaves drift past the window" in page and "Still using <strong>start.png</strong> from your last try" in page
    # Shots only on kling-v3.
    shots = client.post("/generations/new/image/", image_form(model="kling-v2-6", mode="pro", duration="5", multi_shot="on",
                                                             shot_1_prompt="A field", shot_1_duration="2",
                                                             shot_2_prompt="A river", shot_2_duration="3"))
    assert shots.status_code == 400 and 'data-code="multi_shot_not_supported"' in shots.content.decode()
    assert "A river" in shots.content.decode()
    # Too long a script, as on the text→video form.
    long = client.post("/generations/new/image/", image_form(model="kling-v3", mode="std", duration="5", multi_shot="on",
                                                            shot_1_prompt="A field", shot_1_duration="10",
                                                            shot_2_prompt="A river", shot_2_duration="8"))
    assert long.status_code == 400 and "The shots add up to 18 seconds" in long.content.decode()
    assert not Generation.objects.exists()


@pytest.mark.django_db
def test_a_harmful_shot_on_the_image_form_blocks_the_clip_and_names_the_shot(client, redis_conn, alice, team):
    client.force_login(alice)
    form = image_form(model="kling-v3", mode="std", duration="5", multi_shot="on",
                      **{f"shot_{shot['index']}_{name}": shot[name] for shot in THREE_SHOTS for name in ("prompt", "duration")})
    client.post("/generations/new/image/", form)
    generation = Generation.objects.get()
    assert (generation.kind, generation.status, generation.stage) == ("image2video", "blocked", "prompt")
    assert (generation.credit_state, generation.provider_task_id) == ("none", "")
    assert generation.error_message.startswith("Shot 3 of this prompt was blocked")
    assert HARMFUL not in generation.error_message


@pytest.mark.django_db
def test_the_typing_hint_screens_each_shot_and_names_the_bad_one(client, redis_conn, alice, team):
    client.force_login(alice)
    def hint(**body):
        return client.post("/generations/check/", body, content_type="application/json").json()
    benign = hint(prompt="", shots=[shot["prompt"] for shot in THREE_SHOTS[:2]])
    assert benign["decision"] == "allow" and benign["message"] == ""
    bad = hint(prompt="A day at the seaside", shots=[shot["prompt"] for shot in THREE_SHOTS])
    assert bad["decision"] == "block" and bad["message"].startswith("Shot 3: This would be blocked")
    assert HARMFUL not in bad["message"] and not Generation.objects.exists()


# --- end to end: real workers and the simulator --------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_two_shot_clip_with_sound_is_made_and_kept_with_its_audio(client, use_simulator, redis_conn, alice_key):
    response = client.post("/api/v1/generations", {
        "model": "kling-v3", "duration": "8", "sound": "on", "multi_shot": True, "shot_type": "customize",
        "multi_prompt": BENIGN_SHOTS,
    }, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    assert response.json()["options"]["multi_prompt"] == BENIGN_SHOTS
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.scan_result and generation.scan_result.get("verdict") == "allow"
    video = generation.asset(AssetRole.VIDEO)
    assert abs(video.duration_s - 8) <= 0.3 and not video.quarantined
    with video.file.open("rb") as stored, av.open(stored) as container:
        assert container.streams.audio, "sound on: the stored clip keeps its audio stream"
        audio = container.streams.audio[0]
        loud = max(abs(frame.to_ndarray()).max() for frame in container.decode(audio))
    assert loud > 0.05  # a tone, not silence
    # The team's page shows every shot (there is no overall prompt) and that it has sound.
    client.force_login(generation.created_by)
    page = client.get(f"/generations/{generation.public_id}/").content.decode()
    assert BENIGN_SHOTS[0]["prompt"] in page and "Shot 2</strong> · 5 s" in page and 'id="sound-on"' in page


@pytest.mark.django_db
def test_a_held_script_shows_the_moderator_every_shot(client, team, alice):
    generation = Generation.objects.create(
        team=team, created_by=alice, prompt="", model_name="kling-v3", mode="std", duration="6", status="held",
        stage="prompt", options={"multi_shot": True, "shot_type": "customize", "multi_prompt": THREE_SHOTS[:2]},
        screening_result={"decision": "review", "categories": {"violence": 0.6}},
    )
    item = do_open_review_for_held(generation, stage="prompt", categories={"violence": 0.6})
    client.force_login(User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True))
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert THREE_SHOTS[0]["prompt"] in page and THREE_SHOTS[1]["prompt"] in page and "Shot 2</strong>" in page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_silent_clip_has_no_audio_stream(client, use_simulator, redis_conn, alice_key):
    response = client.post("/api/v1/generations", {"model": "kling-v3", "duration": "3", "prompt": "A kite over a field"},
                           content_type="application/json", **bearer(alice_key))
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    with generation.asset(AssetRole.VIDEO).file.open("rb") as stored, av.open(stored) as container:
        assert not container.streams.audio
