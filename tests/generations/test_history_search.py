"""History as people search it: words in any order, the states they think in, names instead of ids."""

import pytest

from generations.models import Generation
from generations.selectors import matching_prompt, search_words
from generations.states import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(team, alice):
    def make(prompt, *, status=Status.SUCCEEDED, kind="text2video", options=None):
        return Generation.objects.create(team=team, created_by=alice, kind=kind, prompt=prompt, model_name="kling-v1-6",
                                         status=status, options=options or {})
    return make


def test_search_words_are_words_lowercased_and_bounded():
    assert search_words("Fox,  SNOW!") == ["fox", "snow"]
    assert search_words("") == [] and search_words("  --  ") == []
    assert len(search_words(" ".join(f"w{i}" for i in range(20)))) == 8


def test_words_match_in_any_order_and_a_word_finds_its_longer_forms(made):
    fox = made("A red fox running through fresh snow")
    snowy = made("Snowy mountains, a fox asleep")
    made("A fox in the forest")
    made("Snow on the roofs")

    found = set(matching_prompt(Generation.objects.all(), "fox snow"))
    assert found == {fox, snowy}
    assert set(matching_prompt(Generation.objects.all(), "SNOW fox")) == found
    assert matching_prompt(Generation.objects.all(), "  ").count() == 4  # no words: no filter


def test_the_history_page_finds_words_and_offers_a_way_back(client, alice, made):
    made("A red fox running through fresh snow")
    made("A blue whale")
    client.force_login(alice)

    page = client.get("/generations/?q=fox+snow").content.decode()
    assert "A red fox running through fresh snow" in page and "whale" not in page
    assert 'class="clear-filters" href="/generations/"' in page
    assert "clear-filters" not in client.get("/generations/").content.decode()


def test_the_status_filter_offers_the_states_people_think_in(client, alice, made):
    running = made("rendering now", status=Status.GENERATING)
    scanning = made("checking now", status=Status.SCANNING)
    made("done", status=Status.SUCCEEDED)
    client.force_login(alice)

    response = client.get("/generations/?status=running")
    assert set(response.context["generations"]) == {running, scanning}
    offered = [value for value, _ in response.context["statuses"]]
    assert "submitting" not in offered and "scanning" not in offered and "created" not in offered
    assert client.get("/generations/?status=scanning").context["filters"]["status"] == ""  # not a choice: ignored


def test_cards_name_kinds_and_effects_in_words(client, alice, made):
    made("", kind="effects", options={"effect_scene": "squish"})
    made("A dancer", kind="image2video")
    client.force_login(alice)

    page = client.get("/generations/").content.decode()
    assert "Effect: Squish" in page and "Image → video" in page
    assert ">effects<" not in page and "image2video ·" not in page


def test_a_canceled_or_failed_video_offers_to_try_again_with_the_same_settings(client, alice, made):
    canceled = made("Waves on a pebble beach", status=Status.CANCELED)
    failed = made("A lighthouse in a storm", status=Status.FAILED)
    made_ok = made("A calm lake", status=Status.SUCCEEDED)
    client.force_login(alice)

    for generation in (canceled, failed):
        page = client.get(f"/generations/{generation.public_id}/").content.decode()
        assert ">Try again</a>" in page and f"remix_of={generation.public_id}" in page
    assert ">Try again</a>" not in client.get(f"/generations/{made_ok.public_id}/").content.decode()
