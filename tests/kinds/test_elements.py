"""The element library (saved subjects for omni-video and omni-image, <<<element_N>>>): validation in the catalog and in
the simulator, the upstream contract the provider client speaks (create, query, list, presets, delete, 1301 on
creation), creation screened as every input is (the name and description through the prompt screen; each image
through the hash banks, the nudity scan, faces and consent, apparent minors), held elements waiting for a moderator,
refusals that leave nothing behind, tenant isolation, and generations that use elements end to end through both
doors and both providers, with a real RQ worker and the simulator over loopback HTTP."""

import functools
import os

import pytest
from django.core.files.base import ContentFile

from accounts.models import AuditEvent, AuditEventType, StandingEvent, User
from generations import catalog
from generations.actions import elements as element_actions
from generations.catalog import OMNI_IMAGE, OMNI_VIDEO, validate_element_request, validate_generation_request
from generations.errors import GenerationError
from generations.inputs.loading import load_element_inputs, load_media_inputs
from generations.models import Element, ElementImage, Generation
from generations.providers.base import ProviderError
from generations.simulator.elements import ElementLibrary
from generations.simulator.validation import ApiError, validate_create
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import assert_books_balance, constant_score_detector, drive_to_terminal
from tests.kinds.media import b64, image_bytes
from tests.kinds.support import HARMFUL_WORDS, face_b64, finished_clip, kling_create, wait_task

ELEMENTS = "/kling/v1/general/advanced-custom-elements"


def element_body(**fields):
    """A native API element: a frontal image and one more, a name and a description."""
    return {
        "name": "Captain Kite",
        "description": "A red kite with a yellow tail",
        "frontal_image": b64(image_bytes(seed=1)),
        "refer_images": [b64(image_bytes(seed=2))],
        "tags": ["o_104"],
        **fields,
    }


def create_element(client, key, **fields):
    return client.post("/api/v1/elements", element_body(**fields), content_type="application/json", **bearer(key))


def kling_element_body(**fields):
    return {
        "element_name": "Captain Kite",
        "element_description": "A red kite with a yellow tail",
        "reference_type": "image_refer",
        "tag_list": [{"tag_id": "o_104"}],
        "element_image_list": {
            "frontal_image": b64(image_bytes(seed=1)),
            "refer_images": [{"image_url": b64(image_bytes(seed=2))}],
        },
        **fields,
    }


def omni(client, key, element_ids, prompt="<<<element_1>>> flies over the beach", **fields):
    body = {
        "kind": OMNI_VIDEO,
        "prompt": prompt,
        "element_list": [{"element_id": element_id} for element_id in element_ids],
        "duration": "5",
        **fields,
    }
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def stored_element_files(settings):
    """Every stored file under any team's elements/ folder."""
    found = []
    for root, _, files in os.walk(settings.MEDIA_ROOT):
        if f"{os.sep}elements{os.sep}" in root + os.sep:
            found += files
    return found


# --- validation: the catalog ---------------------------------------------------------------------------------


def validated(**fields):
    data = {
        "element_name": "Kite",
        "element_description": "A red kite",
        "frontal_image": b64(image_bytes()),
        "refer_images": [b64(image_bytes(seed=1))],
        **fields,
    }
    return validate_element_request(load_element_inputs({k: v for k, v in data.items() if v is not None}))


def test_a_valid_element_keeps_its_words_images_and_tags():
    element = validated(
        tag_list=[{"tag_id": "o_102"}, {"tag_id": "o_106"}, {"tag_id": "o_102"}], external_task_id="mine-1"
    )
    assert (element.name, element.description, element.reference_type) == ("Kite", "A red kite", "image_refer")
    assert len(element.images) == 2 and element.tags == ("o_102", "o_106") and element.client_reference == "mine-1"
    assert element.screened_text == "Kite\nA red kite"
    clip = validated(reference_type="video_refer", frontal_image=None, refer_images=None, clip_id="gen-1")
    assert (clip.clip_id, clip.images) == ("gen-1", ())


@pytest.mark.parametrize(
    "fields, code, field",
    [
        ({"element_name": None}, "element_name_required", "element_name"),
        ({"element_name": "x" * 21}, "element_name_too_long", "element_name"),
        ({"element_description": None}, "element_description_required", "element_description"),
        ({"element_description": "x" * 101}, "element_description_too_long", "element_description"),
        ({"reference_type": "audio_refer"}, "invalid_reference_type", "reference_type"),
        ({"frontal_image": None}, "frontal_image_required", "element_image_list"),
        ({"refer_images": None}, "invalid_refer_image_count", "element_image_list"),
        ({"refer_images": [b64(image_bytes())] * 4}, "invalid_refer_image_count", "element_image_list"),
        ({"reference_type": "video_refer"}, "field_not_applicable", "element_image_list"),
        (
            {"reference_type": "video_refer", "frontal_image": None, "refer_images": None},
            "element_video_required",
            "element_video_list",
        ),
        ({"clip_id": "gen-1"}, "field_not_applicable", "element_video_list"),
        ({"element_voice_id": "voice-1"}, "element_voice_not_supported", "element_voice_id"),
        ({"tag_list": [{"tag_id": "o_999"}]}, "invalid_tag_list", "tag_list"),
        ({"callback_url": "https://example.com/hook"}, "field_not_applicable", "callback_url"),
        ({"element_name": "Ki\x00te"}, "invalid_characters", "element_name"),
    ],
)
def test_the_catalog_refuses_bad_elements_with_stable_codes(fields, code, field):
    with pytest.raises(GenerationError) as refused:
        validated(**fields)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_element_list_ids_travel_with_an_omni_request_in_prompt_order():
    def omni_request(kind=OMNI_VIDEO, **fields):
        data = {"kind": kind, "prompt": "<<<element_1>>> meets <<<element_2>>>", **fields}
        return validate_generation_request(load_media_inputs(data), default_model="kling-v1")

    video = omni_request(element_list=[{"element_id": 1000000000000007}, {"element_id": "1000000000000003"}])
    assert video.options["element_ids"] == [1000000000000007, 1000000000000003]
    still = omni_request(OMNI_IMAGE, element_list=[{"element_id": 5}, {"element_id": 6}])
    assert still.options["element_ids"] == [5, 6]
    for element_list, code in (
        ([{"element_id": "seven"}, {"element_id": 2}], "invalid_element_id"),
        ([{"element_id": True}, {"element_id": 2}], "invalid_element_id"),
        ([{"element_id": 2}, {"element_id": 2}], "duplicate_element"),
    ):
        with pytest.raises(GenerationError) as refused:
            omni_request(element_list=element_list)
        assert refused.value.code == code
    with pytest.raises(GenerationError) as too_many:
        omni_request(
            OMNI_IMAGE,
            prompt="<<<element_1>>> " + " ".join(f"<<<image_{n}>>>" for n in range(1, 7)),
            image_list=[{"image": b64(image_bytes(seed=n))} for n in range(6)],
            element_list=[{"element_id": 1}, {"element_id": 2}],
        )
    assert too_many.value.code in ("too_many_references", "reference_unused")


# --- the upstream contract: the simulator and the provider client ---------------------------------------------


def test_the_simulator_library_accepts_only_ids_it_issued():
    library = ElementLibrary()
    body = kling_element_body(external_task_id="ext-1")
    created = library.create(body, fetch=None)
    assert created["task_status"] == "submitted" and created["task_info"] == {"external_task_id": "ext-1"}
    with pytest.raises(ApiError) as twice:
        library.create(body, fetch=None)
    assert (twice.value.code, twice.value.message) == (1201, "external_task_id already exists")
    for bad, message in (
        (kling_element_body(element_name="x" * 21), "element_name cannot exceed 20"),
        (kling_element_body(element_voice_id="v1"), "element_voice_id v1 does not exist"),
        (kling_element_body(element_image_list={"frontal_image": b64(image_bytes())}), "refer_images must list 1 to 3"),
        (kling_element_body(tag_list=[{"tag_id": "x"}]), "tag_list must be"),
    ):
        with pytest.raises(ApiError) as refused:
            library.create(bad, fetch=None)
        assert refused.value.code == 1201 and message in refused.value.message
    with pytest.raises(ApiError) as unsafe:
        library.create(kling_element_body(element_description="nsfw kite"), fetch=None)
    assert unsafe.value.code == 1301
    prompt = {"prompt": "<<<element_1>>> flies", "element_list": [{"element_id": 42}], "duration": "5"}
    with pytest.raises(ApiError) as unknown:
        validate_create(OMNI_VIDEO, prompt, known_element=library.knows)
    assert (unknown.value.code, unknown.value.message) == (1201, "element_id 42 does not exist")


@pytest.mark.e2e
def test_contract_element_routes_through_the_provider_client(upstream):
    """Create (a task), poll until it succeeds, query by either id, list, presets, use in element_list, delete; 1301 on
    creation; unknown ids 1203 on the element routes and 1201 in element_list."""
    made = upstream.create_element(kling_element_body(external_task_id="studio-element-1"))
    assert made.status == "submitted" and made.task_id.isdigit() and not made.element_id
    task = made
    for _ in range(100):
        if task.finished:
            break
        task = upstream.get_element(task.task_id)
    assert task.status == "succeed" and task.element_id.isdigit()
    assert upstream.get_element("studio-element-1").element_id == task.element_id
    listed = upstream.list_elements()
    assert [entry["task_id"] for entry in listed] == [made.task_id]
    element = listed[0]["task_result"]["elements"][0]
    assert element["element_name"] == "Captain Kite" and element["tag_list"] == [{"tag_id": "o_104"}]
    assert upstream.list_elements(presets=True) == []

    created = upstream.create_task(
        OMNI_VIDEO,
        {
            "model_name": "kling-video-o1",
            "prompt": "<<<element_1>>> flies at dawn",
            "element_list": [{"element_id": int(task.element_id)}],
            "duration": "3",
        },
    )
    assert wait_task(upstream, OMNI_VIDEO, created.task_id).status == "succeed"
    with pytest.raises(ProviderError) as unknown:
        upstream.create_task(OMNI_VIDEO, {"prompt": "<<<element_1>>> flies", "element_list": [{"element_id": 123}]})
    assert (unknown.value.upstream_code, unknown.value.permanent) == (1201, True)
    with pytest.raises(ProviderError) as refused:
        upstream.create_element(kling_element_body(element_name="naked kite"))
    assert refused.value.upstream_code == 1301 and refused.value.content_policy
    with pytest.raises(ProviderError) as missing:
        upstream.get_element("no-such-task")
    assert missing.value.upstream_code == 1203

    upstream.delete_element(task.element_id)
    with pytest.raises(ProviderError) as gone:
        upstream.create_task(
            OMNI_VIDEO,
            {
                "prompt": "<<<element_1>>> flies",
                "element_list": [{"element_id": int(task.element_id)}],
                "duration": "3",
            },
        )
    assert gone.value.upstream_code == 1201
    with pytest.raises(ProviderError) as deleted_twice:
        upstream.delete_element(task.element_id)
    assert deleted_twice.value.upstream_code == 1203


# --- creation: the native API, screening, nothing half-written --------------------------------------------------


@pytest.mark.django_db
def test_native_api_creates_lists_gets_and_deletes_an_element(client, team, alice, alice_key):
    response = create_element(client, alice_key, external_task_id="kite-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "ready" and body["name"] == "Captain Kite" and body["tags"] == ["o_104"]
    assert 10**15 <= body["element_id"] < 9 * 10**15 and len(body["images"]) == 2
    element = Element.objects.get(element_id=body["element_id"])
    assert (element.team, element.created_by, element.images.count()) == (team, alice, 2)
    image = client.get(body["images"][0], **bearer(alice_key))
    assert image.status_code == 200 and b"".join(image.streaming_content) == image_bytes(seed=1)

    assert [item["element_id"] for item in client.get("/api/v1/elements", **bearer(alice_key)).json()["data"]] == [
        body["element_id"]
    ]
    assert (
        client.get(f"/api/v1/elements/{body['element_id']}", **bearer(alice_key)).json()["description"]
        == "A red kite with a yellow tail"
    )
    again = create_element(client, alice_key, external_task_id="kite-1")
    assert again.status_code == 409 and again.json()["error"]["code"] == "external_task_id_exists"

    deleted = client.delete(f"/api/v1/elements/{body['element_id']}", **bearer(alice_key))
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get(f"/api/v1/elements/{body['element_id']}", **bearer(alice_key)).status_code == 404
    assert client.delete(f"/api/v1/elements/{body['element_id']}", **bearer(alice_key)).status_code == 404
    element.refresh_from_db()
    assert element.deleted_at is not None and element.images.count() == 2  # kept for what used it
    events = list(AuditEvent.objects.filter(target_type="Element").values_list("event_type", flat=True).order_by("id"))
    assert events == [AuditEventType.ELEMENT_CREATED, AuditEventType.ELEMENT_DELETED]
    refused = omni(client, alice_key, [body["element_id"]])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "element_deleted"


@pytest.mark.django_db
def test_another_teams_element_is_indistinguishable_from_a_missing_one(client, team, alice_key, charlie_key):
    mine = create_element(client, alice_key).json()["element_id"]
    missing = 10**15 + 1
    for ident in (mine, missing):
        assert client.get(f"/api/v1/elements/{ident}", **bearer(charlie_key)).json()["error"]["code"] == "not_found"
        assert client.delete(f"/api/v1/elements/{ident}", **bearer(charlie_key)).status_code == 404
        door = client.get(f"{ELEMENTS}/{ident}", **bearer(charlie_key))
        assert door.status_code == 404 and door.json()["code"] == 1203
    answers = []
    for ident in (mine, missing):
        used = omni(client, charlie_key, [ident])
        answers.append(
            (used.status_code, used.json()["error"]["code"], used.json()["error"]["message"].replace(str(ident), "N"))
        )
    assert answers[0] == answers[1] == (404, "element_not_found", "element_list[0]: element_id N does not exist.")
    assert client.get("/api/v1/elements", **bearer(charlie_key)).json()["data"] == []
    assert client.get(f"{ELEMENTS}?pageNum=1&pageSize=10", **bearer(charlie_key)).json()["data"] == []
    door_delete = client.post(
        "/kling/v1/general/delete-elements",
        {"element_id": str(mine)},
        content_type="application/json",
        **bearer(charlie_key),
    )
    assert door_delete.status_code == 404 and door_delete.json()["code"] == 1203
    assert not Generation.objects.exists() and Element.objects.get(element_id=mine).deleted_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["name", "image", "banked"])
def test_a_refused_element_leaves_no_row_or_file_behind(
    client, settings, team, alice, alice_key, monkeypatch, tmp_path, change
):
    from generations.actions import hashbanks
    from generations.moderation.visual import scanning

    fields = {}
    if change == "name":
        fields = {"description": HARMFUL_WORDS[:100]}
    elif change == "image":
        monkeypatch.setattr(
            scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)])
        )
    else:
        banned = image_bytes(seed=9)
        bank = hashbanks.do_create_bank(name="known", category="violence", action="block")
        (tmp_path / "banned.png").write_bytes(banned)
        hashbanks.do_add_media(bank, path=tmp_path / "banned.png", note="test entry")
        fields = {"refer_images": [b64(banned)]}
    files_before = stored_element_files(settings)
    native = create_element(client, alice_key, **fields)
    assert native.status_code == 422 and native.json()["error"]["code"] == "policy_violation", native.content
    assert native.json()["error"]["stage"] == ("prompt" if change == "name" else "input")
    door = client.post(
        ELEMENTS,
        kling_element_body(
            **({"element_description": HARMFUL_WORDS[:100]} if change == "name" else {}),
            **(
                {
                    "element_image_list": {
                        "frontal_image": b64(image_bytes(seed=1)),
                        "refer_images": [{"image_url": fields["refer_images"][0]}],
                    }
                }
                if change == "banked"
                else {}
            ),
        ),
        content_type="application/json",
        **bearer(alice_key),
    )
    assert door.status_code == 400 and door.json()["code"] == 1301 and "data" not in door.json(), door.content
    assert (
        not Element.objects.exists()
        and not ElementImage.objects.exists()
        and stored_element_files(settings) == files_before
    )
    refusals = AuditEvent.objects.filter(event_type=AuditEventType.ELEMENT_REFUSED)
    assert refusals.count() == 2 and all(event.extra["stage"] == native.json()["error"]["stage"] for event in refusals)


@pytest.mark.django_db
def test_a_borderline_image_holds_the_element_until_a_moderator_decides(client, team, alice, alice_key, monkeypatch):
    from generations.moderation.visual import scanning

    with monkeypatch.context() as patched:
        patched.setattr(
            scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)])
        )
        response = client.post(
            ELEMENTS,
            kling_element_body(external_task_id="held-1"),
            content_type="application/json",
            **bearer(alice_key),
        )
    assert response.status_code == 200 and response.json()["code"] == 0, response.content
    task = response.json()["data"]
    assert task["task_status"] == "processing" and "Waiting for a moderator's review" in task["task_status_msg"]
    queried = client.get(f"{ELEMENTS}/held-1", **bearer(alice_key)).json()["data"]
    assert queried["task_status"] == "processing" and "task_result" not in queried
    element = Element.objects.get(client_reference="held-1")
    native = client.get(f"/api/v1/elements/{element.element_id}", **bearer(alice_key)).json()
    assert native["status"] == "held" and native["images"] == []  # withheld while it waits
    waiting = omni(client, alice_key, [element.element_id])
    assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "element_not_ready"

    with pytest.raises(GenerationError) as not_allowed:
        element_actions.do_decide_element(element, moderator=alice, approve=True)
    assert not_allowed.value.code == "not_a_moderator"
    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    element_actions.do_decide_element(element, moderator=moderator, approve=True)
    with pytest.raises(GenerationError) as twice:
        element_actions.do_decide_element(element, moderator=moderator, approve=False)
    assert twice.value.code == "element_already_decided"
    done = client.get(f"{ELEMENTS}/{task['task_id']}", **bearer(alice_key)).json()["data"]
    assert done["task_status"] == "succeed"
    listed = done["task_result"]["elements"][0]
    assert listed["element_id"] == element.element_id and listed["element_image_list"]["frontal_image"].startswith(
        "http"
    )
    picture = client.get(listed["element_image_list"]["frontal_image"])
    assert picture.status_code == 200 and b"".join(picture.streaming_content) == image_bytes(seed=1)
    decided = AuditEvent.objects.get(event_type=AuditEventType.ELEMENT_DECIDED)
    assert decided.actor_user_id == moderator.pk and decided.extra["decision"] == "approve"


@pytest.mark.django_db
def test_a_refused_held_element_says_why_and_earns_a_strike(client, team, alice, alice_key, monkeypatch):
    from generations.moderation.visual import scanning

    monkeypatch.setattr(
        scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)])
    )
    element = Element.objects.get(element_id=create_element(client, alice_key).json()["element_id"])
    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    element_actions.do_decide_element(element, moderator=moderator, approve=False, reason="the kite is a pretext")
    body = client.get(f"/api/v1/elements/{element.element_id}", **bearer(alice_key)).json()
    assert body["status"] == "refused" and "the kite is a pretext" in body["status_message"]
    assert client.get(f"{ELEMENTS}/{element.task_id}", **bearer(alice_key)).json()["data"]["task_status"] == "failed"
    assert StandingEvent.objects.filter(user=alice, source="review_rejection").count() == 1
    refused = omni(client, alice_key, [element.element_id])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "element_refused"


@pytest.mark.django_db
def test_a_real_persons_face_needs_consent_or_a_moderator(client, team, alice, alice_key):
    from generations.actions import consent

    held = create_element(client, alice_key, frontal_image=face_b64())
    assert held.status_code == 201 and held.json()["status"] == "held", held.content
    element = Element.objects.get(element_id=held.json()["element_id"])
    assert element.screening_result["likeness"]["reanimation"] == "subject_rerender"
    assert "real person" in element.status_message
    record = consent.do_record_consent(
        team=team,
        user=alice,
        subject_name="Grace Hopper",
        statement="Signed likeness release for saved subjects, 2026-12-01",
    )
    allowed = create_element(client, alice_key, frontal_image=face_b64(), consent_id=str(record.public_id))
    assert allowed.status_code == 201 and allowed.json()["status"] == "ready", allowed.content
    assert Element.objects.get(element_id=allowed.json()["element_id"]).consent == record
    unknown = create_element(
        client, alice_key, frontal_image=face_b64(), consent_id="8d7a3f1c-1111-4222-8333-944455556666"
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "consent_not_found"


@pytest.mark.django_db
def test_a_video_element_names_a_finished_clip_of_the_team_and_never_fetches_other_urls(client, team, alice_key):
    refused = client.post(
        ELEMENTS,
        {
            **kling_element_body(reference_type="video_refer", element_image_list=None),
            "element_video_list": {"refer_videos": [{"video_url": "https://example.com/a.mp4"}]},
        },
        content_type="application/json",
        **bearer(alice_key),
    )
    assert (
        refused.status_code == 400
        and refused.json()["code"] == 1201
        and "other URLs are not fetched" in refused.json()["message"]
    )
    missing = create_element(
        client,
        alice_key,
        reference_type="video_refer",
        frontal_image=None,
        refer_images=None,
        clip_id="8d7a3f1c-1111-4222-8333-944455556666",
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "parent_not_found"
    assert not Element.objects.exists()


# --- using elements end to end ------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_both_providers_create_the_element_upstream_once_and_reuse_it(client, team, alice_key, provider):
    element_id = create_element(client, alice_key).json()["element_id"]
    first = omni(client, alice_key, [element_id], model="kling-v3-omni", duration="3")
    assert first.status_code == 202 and first.json()["status"] == "queued", first.content
    generation = drive_to_terminal(first.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.provider == provider and generation.options["element_ids"] == [element_id]
    element = Element.objects.get(element_id=element_id)
    [(key, upstream_id)] = element.upstream_ids.items()
    assert key.startswith(f"{provider}@") and upstream_id.isdigit() and int(upstream_id) != element_id

    still = client.post(
        "/api/v1/generations",
        {"kind": OMNI_IMAGE, "prompt": "<<<element_1>>> on a poster", "element_list": [{"element_id": element_id}]},
        content_type="application/json",
        **bearer(alice_key),
    )
    assert still.status_code == 202, still.content
    assert drive_to_terminal(still.json()["id"]).status == "succeeded"
    element.refresh_from_db()
    assert element.upstream_ids == {key: upstream_id}  # reused, not created twice
    assert_books_balance(team)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_kling_door_creates_an_element_and_an_omni_task_that_uses_it(
    client, use_simulator, redis_conn, team, alice_key
):
    created = kling_create(client, alice_key, ELEMENTS, kling_element_body(external_task_id="kite"))
    assert created["task_status"] == "succeed"
    listed = client.get(f"{ELEMENTS}?pageNum=1&pageSize=10", **bearer(alice_key)).json()
    assert listed["code"] == 0 and [task["task_id"] for task in listed["data"]] == [created["task_id"]]
    element_id = listed["data"][0]["task_result"]["elements"][0]["element_id"]
    presets = client.get(
        "/kling/v1/general/advanced-presets-elements?pageNum=1&pageSize=10", **bearer(alice_key)
    ).json()
    assert presets == {"code": 0, "message": "SUCCEED", "request_id": presets["request_id"], "data": []}
    bad_page = client.get("/kling/v1/general/advanced-presets-elements?pageNum=0", **bearer(alice_key)).json()
    assert bad_page["code"] == 1201

    task = kling_create(
        client,
        alice_key,
        "/kling/v1/videos/omni-video",
        {
            "model_name": "kling-video-o1",
            "prompt": "<<<element_1>>> and <<<image_1>>> at sea",
            "duration": "5",
            "element_list": [{"element_id": element_id}],
            "image_list": [{"image_url": b64(image_bytes(seed=4))}],
        },
    )
    generation = drive_to_terminal(task["task_id"])
    assert generation.status == "succeeded" and generation.options["element_ids"] == [element_id]

    unknown = client.post(
        "/kling/v1/videos/omni-video",
        {"prompt": "<<<element_1>>> runs", "element_list": [{"element_id": 123}]},
        content_type="application/json",
        **bearer(alice_key),
    )
    assert unknown.json()["code"] == 1201 and "element_id 123 does not exist" in unknown.json()["message"]
    deleted = client.post(
        "/kling/v1/general/delete-elements",
        {"element_id": str(element_id)},
        content_type="application/json",
        **bearer(alice_key),
    )
    assert deleted.json() == {
        "code": 0,
        "message": "SUCCEED",
        "request_id": deleted.json()["request_id"],
        "data": {"element_id": str(element_id), "status": "deleted"},
    }
    again = client.post(
        "/kling/v1/general/delete-elements",
        {"element_id": str(element_id)},
        content_type="application/json",
        **bearer(alice_key),
    )
    assert again.status_code == 404 and again.json()["code"] == 1203
    assert (
        client.get(f"{ELEMENTS}/kite", **bearer(alice_key)).json()["data"]["task_result"]["elements"][0]["status"]
        == "deleted"
    )
    assert drive_to_terminal(generation.public_id).status == "succeeded"  # what used it is untouched


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_element_the_upstream_refuses_blocks_the_generation_at_the_upstream_stage(
    client, use_simulator, redis_conn, team, alice, alice_key
):
    # The studio's screening let this description through (it was stored directly, as an older policy might have);
    # the upstream's content safety refuses the element when the generation first creates it there.
    element = Element.objects.create(team=team, created_by=alice, name="Kite", description="gore kite")
    element.images.create(
        position=0,
        file=_content("a.png", image_bytes(seed=1)),
        content_type="image/png",
        size_bytes=1,
        sha256="x",
        width=640,
        height=480,
    )
    element.images.create(
        position=1,
        file=_content("b.png", image_bytes(seed=2)),
        content_type="image/png",
        size_bytes=1,
        sha256="x",
        width=640,
        height=480,
    )
    response = omni(client, alice_key, [element.element_id])
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert (generation.status, generation.stage, generation.credit_state) == ("blocked", "upstream", "released")
    element.refresh_from_db()
    assert element.upstream_ids == {}
    assert_books_balance(team)


@pytest.mark.django_db
def test_an_elements_images_join_the_generations_input_screening(client, team, alice_key, monkeypatch):
    element_id = create_element(client, alice_key).json()["element_id"]
    from generations.moderation.visual import scanning

    monkeypatch.setattr(
        scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.97)])
    )
    refused = omni(client, alice_key, [element_id])
    assert refused.status_code == 422 and refused.json()["error"]["stage"] == "input", refused.content
    generation = Generation.objects.get()
    assert (generation.status, generation.error_code, generation.credit_state) == ("blocked", "input_blocked", "none")
    assert not generation.assets.exists()  # the element's images are screened, never copied into the generation


def test_the_pipeline_sends_the_upstream_ids_in_prompt_order():
    class Made:
        options = {"element_ids": [7, 3]}

    assert pipeline._element_list(Made(), lambda generation: ["900", "800"]) == {
        "element_list": [{"element_id": 900}, {"element_id": 800}]
    }
    assert pipeline._element_list(type("Plain", (), {"options": {}})(), None) == {}
    with pytest.raises(ValueError):
        pipeline._element_list(Made(), None)
    assert catalog.ELEMENT not in catalog.KINDS  # an element is not a generation kind


def _content(name, data):
    return ContentFile(data, name=name)


@pytest.mark.django_db
def test_the_portal_shows_why_an_element_waits_and_a_moderator_decides_it_there(
    client, team, alice, alice_key, charlie, monkeypatch
):
    from generations.moderation.visual import scanning

    monkeypatch.setattr(
        scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)])
    )
    element = Element.objects.get(element_id=create_element(client, alice_key).json()["element_id"])
    client.force_login(alice)
    page = client.get("/elements/").content.decode()
    assert "Waiting for review" in page and "one of its reference images needs a second look" in page
    assert client.get(f"/elements/{element.element_id}/images/0").status_code == 404  # withheld while it waits
    assert client.get("/moderation/elements/").status_code == 404  # moderators only
    assert client.post(f"/moderation/elements/{element.element_id}/decide/", {"decision": "approve"}).status_code == 404

    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    client.force_login(moderator)
    queue = client.get("/moderation/elements/").content.decode()
    assert "Captain Kite" in queue and f"/moderation/elements/{element.element_id}/images/0" in queue
    blurred = client.get(f"/moderation/elements/{element.element_id}/images/0")
    assert (
        blurred.status_code == 200
        and blurred["Content-Type"] == "image/jpeg"
        and blurred.content != image_bytes(seed=1)
    )
    client.post(f"/moderation/elements/{element.element_id}/decide/", {"decision": "approve"})
    element.refresh_from_db()
    assert element.status == "succeed" and element.decided_by == moderator

    client.force_login(alice)
    assert client.get(f"/elements/{element.element_id}/images/0").status_code == 200
    client.force_login(charlie)
    assert client.get(f"/elements/{element.element_id}/images/0").status_code == 404  # another team's
    assert client.post(f"/elements/{element.element_id}/delete/").status_code == 404
    assert Element.objects.get(pk=element.pk).deleted_at is None


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_video_element_made_from_a_clip_of_the_team_is_created_upstream_from_the_clips_url(
    client, use_simulator, redis_conn, team, alice_key
):
    # A scene of cool colours. In full runs this test twice found the element held with a clip "over the dunes"
    # (not reproduced alone); the clip is scanned as an input, and sand-coloured frames are the suspect, not a
    # confirmed cause: the assertion now says why an element was held.
    clip = finished_clip(client, alice_key, prompt="a paper boat on a rainy street")
    response = create_element(
        client,
        alice_key,
        reference_type="video_refer",
        frontal_image=None,
        refer_images=None,
        clip_id=str(clip.public_id),
    )
    made_element = Element.objects.filter(element_id=response.json().get("element_id")).first()
    why = made_element and (
        f"{made_element.status_message} | scan {made_element.screening_result.get('input_scan')}"
        f" | likeness {made_element.screening_result.get('likeness')}"
    )
    assert response.status_code == 201 and response.json()["status"] == "ready", why
    element = Element.objects.get(element_id=response.json()["element_id"])
    assert element.clip == clip and not element.images.exists()
    assert element.screening_result["input_scan"]["verdict"] == "allow"  # the clip was scanned as an input
    made = omni(client, alice_key, [element.element_id], prompt="<<<element_1>>> lands on the beach")
    assert made.status_code == 202, made.content
    generation = drive_to_terminal(made.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    element.refresh_from_db()
    assert len(element.upstream_ids) == 1


@pytest.mark.django_db
def test_a_held_element_nobody_reviews_in_time_is_refused_never_approved(
    client, team, alice, alice_key, monkeypatch, settings
):
    from django.utils import timezone

    from generations.moderation.visual import scanning
    from generations.worker.housekeeping import run_housekeeping

    monkeypatch.setattr(
        scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)])
    )
    element = Element.objects.get(element_id=create_element(client, alice_key).json()["element_id"])
    settings.REVIEW_SLA_HOURS = {"3": 4, "2": 24, "1": 72}
    assert run_housekeeping(now=timezone.now() + timezone.timedelta(hours=71)).held_elements_expired == 0
    assert run_housekeeping(now=timezone.now() + timezone.timedelta(hours=73)).held_elements_expired == 1
    element.refresh_from_db()
    assert element.status == "failed" and "Not reviewed in time" in element.status_message
    assert not StandingEvent.objects.filter(user=alice, source="review_rejection").exists()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_element_the_upstream_forgot_is_made_there_again(client, team, alice_key, provider, settings):
    from generations.providers import build_provider

    element_id = create_element(client, alice_key).json()["element_id"]
    first = drive_to_terminal(omni(client, alice_key, [element_id]).json()["id"])
    assert first.status == "succeeded", (first.error_code, first.error_message)
    element = Element.objects.get(element_id=element_id)
    [(key, forgotten)] = element.upstream_ids.items()
    build_provider(settings.PROVIDER).delete_element(forgotten)  # deleted at the upstream behind the studio's back

    again = drive_to_terminal(omni(client, alice_key, [element_id]).json()["id"])
    assert again.status == "succeeded", (again.error_code, again.error_message)
    element.refresh_from_db()
    assert set(element.upstream_ids) == {key} and element.upstream_ids[key] != forgotten


@pytest.mark.django_db
def test_an_apparent_minors_face_is_never_saved_as_an_element(
    client, settings, team, alice, alice_key, faces_read_as_children
):
    from generations.actions import consent

    record = consent.do_record_consent(
        team=team, user=alice, subject_name="Grace Hopper", statement="Signed release, 2026-12-01"
    )
    files_before = stored_element_files(settings)
    response = create_element(client, alice_key, frontal_image=face_b64(), consent_id=str(record.public_id))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert (error["code"], error["stage"], error["categories"]) == ("policy_violation", "input", ["sexual_minors"])
    assert "may be under 18" in error["message"]
    assert not Element.objects.exists() and stored_element_files(settings) == files_before
    refusal = AuditEvent.objects.get(event_type=AuditEventType.ELEMENT_REFUSED)
    assert refusal.extra["code"] == "apparent_minor"
