"""Helpers the kind tests share: a face to re-animate, requests on both doors, a finished clip of the team,
waiting for an upstream task."""

import base64
import importlib.util
import os
import time

from django.core.files.base import ContentFile

from tests.conftest import bearer
from tests.helpers import assert_books_balance, drive_to_terminal, run_workers

HARMFUL_WORDS = "I am going to shoot up the school tomorrow, join me"
FACE_PHOTO = os.path.join(list(importlib.util.find_spec("matplotlib").submodule_search_locations)[0],
                          "mpl-data", "sample_data", "grace_hopper.jpg")


def face_b64():
    with open(FACE_PHOTO, "rb") as handle:
        return base64.b64encode(handle.read()).decode()


def create(client, key, **body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def finished_clip(client, key, prompt, duration="5"):
    """A real clip of the team, made through the worker and the simulator."""
    response = create(client, key, prompt=prompt, model="kling-v1-6", duration=duration)
    assert response.status_code == 202, response.content
    clip = drive_to_terminal(response.json()["id"])
    assert clip.status == "succeeded", (clip.error_code, clip.error_message)
    return clip


def result_url(client, key, clip):
    """The result `url` the Kling door reports for a finished text→video clip."""
    queried = client.get(f"/kling/v1/videos/text2video/{clip.public_id}", **bearer(key)).json()
    return queried["data"]["task_result"]["videos"][0]["url"]


def wait_task(upstream, kind, task_id, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while not (task := upstream.get_task(kind, task_id)).finished and time.monotonic() < deadline:
        time.sleep(0.05)
    return task


def content(name, data):
    return ContentFile(data, name=name)


def assert_never_sent_and_nothing_charged(generations, team, before):
    """Refused requests never reached the upstream, and the team's credits are as they were (`before`)."""
    assert not generations.filter(provider_task_id__gt="").exists()  # never sent upstream
    team.refresh_from_db()
    assert team.credits_available == before and team.credits_reserved == 0
    assert_books_balance(team)


def assert_blocked_on_both_doors(native, door, refused, team, before):
    """A create the screening refused on the native API (422 policy_violation) and on the Kling door (400, 1301,
    no data): both rows (`refused`) blocked with nothing reserved, never sent upstream, nothing charged."""
    assert native.status_code == 422 and native.json()["error"]["code"] == "policy_violation", native.content
    assert door.status_code == 400 and door.json()["code"] == 1301 and "data" not in door.json(), door.content
    assert refused.count() == 2 and all(g.status == "blocked" and g.credit_state == "none" for g in refused)
    assert_never_sent_and_nothing_charged(refused, team, before)


def assert_image_task_round_trip(upstream, kind, payload, generation, *, count, other_kind):
    """An image kind's payload through the provider client and the simulator: created, finished with `count`
    image URLs and no video, found by the generation's id (its external_task_id), listed under its kind only.
    Returns the finished task."""
    created = upstream.create_task(kind, payload)
    assert created.status == "submitted" and created.task_id.isdigit()
    task = wait_task(upstream, kind, created.task_id)
    assert task.status == "succeed" and len(task.image_urls) == count and not task.video_url
    assert upstream.get_task(kind, str(generation.public_id)).task_id == created.task_id
    assert [listed.task_id for listed in upstream.list_tasks(kind)] == [created.task_id]
    assert upstream.list_tasks(other_kind) == []
    return task


def kling_create(client, key, route, body):
    """A create through the Kling door that must be accepted: its `data` (task_id, task_status, task_info…)."""
    created = client.post(route, body, content_type="application/json", **bearer(key))
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    return created.json()["data"]


def kling_succeeded(client, key, route, ident):
    """A Kling-door query of a task that must have succeeded: its `data`."""
    queried = client.get(f"{route}/{ident}", **bearer(key)).json()
    assert queried["code"] == 0 and queried["data"]["task_status"] == "succeed", queried
    return queried["data"]


def held_at_output(client, key, generation_id, kling_route):
    """Run the workers until the generation waits for a moderator at the output stage: (it, its Kling-door task,
    which must read `processing`)."""
    from generations.models import Generation  # the models load once Django is set up (support is imported early)

    run_workers(max_rounds=50)  # held is not terminal: the workers stop when nothing is left to do
    held = Generation.objects.get(public_id=generation_id)
    assert (held.status, held.stage) == ("held", "output"), (held.error_code, held.error_message)
    task = client.get(f"{kling_route}/{held.public_id}", **bearer(key)).json()["data"]
    assert task["task_status"] == "processing", task
    return held, task


def moderator_looks_at(client, generation):
    """A new moderator, signed in on `client`, opens the output review item of `generation`: (them, the item,
    the item page's HTML)."""
    # Imported here like Generation above: models load once Django is set up.
    from accounts.models import User
    from generations.models import ReviewItem

    moderator = User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)
    item = ReviewItem.objects.get(generation=generation, stage="output")
    client.force_login(moderator)
    return moderator, item, client.get(f"/moderation/items/{item.public_id}/").content.decode()
