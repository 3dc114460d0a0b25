"""History and the API list include every kind and filter by it."""

import pytest

from generations.catalog import KINDS
from generations.models import Generation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_each(team, alice):
    return {
        kind: Generation.objects.create(team=team, created_by=alice, kind=kind, prompt=f"clip made by {kind}", model_name="kling-v1-6")
        for kind in KINDS
    }


def test_history_filters_by_every_kind(client, alice, one_of_each):
    client.force_login(alice)
    page = client.get("/generations/").content.decode()
    for kind in KINDS:
        assert f"clip made by {kind}" in page and f'<option value="{kind}"' in page
    for kind in KINDS:
        page = client.get(f"/generations/?kind={kind}").content.decode()
        shown = [other for other in KINDS if f"clip made by {other}<" in page]
        assert shown == [kind]


def test_the_api_list_filters_by_kind_and_refuses_unknown_kinds(client, alice_key, one_of_each):
    body = client.get("/api/v1/generations?kind=lip-sync", **bearer(alice_key)).json()
    assert [row["kind"] for row in body["data"]] == ["lip-sync"]
    refused = client.get("/api/v1/generations?kind=video-effects/face-swap", **bearer(alice_key))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_kind"
