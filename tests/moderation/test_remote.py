import json

import httpx
import pytest

from generations.moderation.text.remote import (
    AzureContentSafety,
    OpenAIModeration,
    RemoteEngineError,
    configured_engines,
)
from generations.moderation.text.screening import ALLOW, BLOCK, REVIEW, screen_prompt

OPENAI_CATEGORIES = [
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
    "violence/graphic",
]


def openai_answer(**scores):
    category_scores = {name: scores.get(name.replace("/", "_").replace("-", "_"), 0.001) for name in OPENAI_CATEGORIES}
    return {
        "id": "modr-123",
        "model": "omni-moderation-latest",
        "results": [
            {
                "flagged": any(v > 0.5 for v in category_scores.values()),
                "categories": {name: value > 0.5 for name, value in category_scores.items()},
                "category_scores": category_scores,
                "category_applied_input_types": {name: ["text"] for name in OPENAI_CATEGORIES},
            }
        ],
    }


def azure_answer(**severities):
    return {
        "blocklistsMatch": [],
        "categoriesAnalysis": [
            {"category": name, "severity": severities.get(name, 0)}
            for name in ("Hate", "SelfHarm", "Sexual", "Violence")
        ],
    }


def openai_engine(answer, seen=None, status=200):
    def handler(request):
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=answer)

    return OpenAIModeration("sk-test", transport=httpx.MockTransport(handler))


def test_it_sends_openai_the_documented_request_and_uses_its_scores():
    seen = []
    engine = openai_engine(openai_answer(sexual=0.93), seen)
    decision = screen_prompt("A quiet scene, you know what I mean", engines=[engine])
    assert decision.decision == BLOCK and decision.top_category == "sexual"
    assert decision.raw_scores["openai-moderation"]["sexual"] == 0.93
    assert ("openai-moderation", "omni-moderation-latest") in decision.engines
    request = seen[0]
    assert request.method == "POST" and request.url.path == "/v1/moderations"
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == {
        "model": "omni-moderation-latest",
        "input": "A quiet scene, you know what I mean",
    }


def test_it_maps_openai_categories_onto_ours():
    engine = openai_engine(openai_answer(violence_graphic=0.8, self_harm_intent=0.7, illicit_violent=0.9))
    decision = screen_prompt("Something", engines=[engine])
    assert decision.categories["violence"] == 0.8
    assert decision.categories["self_harm"] == 0.7
    assert decision.categories["illegal"] == 0.9


def test_it_combines_a_remote_sexual_score_with_a_local_minor_signal():
    engine = openai_engine(openai_answer(sexual=0.8))
    decision = screen_prompt("A 12-year-old at the pool in that kind of pose", engines=[engine])
    assert decision.decision == BLOCK and decision.top_category == "sexual_minors" and decision.needs_human


def test_it_sends_azure_the_documented_request_and_reads_severities():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=azure_answer(Violence=6, Sexual=2))

    engine = AzureContentSafety("https://example.cognitiveservices.azure.com/", "key-1",
                                transport=httpx.MockTransport(handler))
    decision = screen_prompt("An ordinary sounding prompt", engines=[engine])
    assert decision.decision == BLOCK and decision.top_category == "violence"
    assert decision.raw_scores["azure-content-safety"] == {"violence": 1.0, "sexual": 0.333}
    request = seen[0]
    assert request.url.path == "/contentsafety/text:analyze"
    assert request.url.params["api-version"] == "2023-10-01"
    assert request.headers["Ocp-Apim-Subscription-Key"] == "key-1"
    body = json.loads(request.content)
    assert body["text"] == "An ordinary sounding prompt"
    assert body["outputType"] == "FourSeverityLevels"
    assert set(body["categories"]) == {"Hate", "SelfHarm", "Sexual", "Violence"}


def failing_engine(exc):
    def handler(request):
        raise exc

    return OpenAIModeration("sk-test", transport=httpx.MockTransport(handler))


def test_it_fails_open_by_default_and_records_the_failure(settings):
    settings.SCREENING_REMOTE_FAILURE_MODE = "open"
    decision = screen_prompt("A cat on a sofa", engines=[failing_engine(httpx.ConnectError("refused"))])
    assert decision.decision == ALLOW
    assert decision.remote_failures == (
        {"engine": "openai-moderation", "error": "openai-moderation unreachable: ConnectError", "code": "unreachable",
         "mode": "open"},
    )


def test_it_holds_the_prompt_when_failing_closed(settings):
    settings.SCREENING_REMOTE_FAILURE_MODE = "closed"
    decision = screen_prompt("A cat on a sofa", engines=[failing_engine(httpx.ReadTimeout("slow"))])
    assert decision.decision == REVIEW and decision.needs_human
    assert decision.remote_failures[0]["code"] == "timeout"
    assert decision.remote_failures[0]["mode"] == "closed"
    assert "could not be completed" in decision.user_message
    assert decision.as_audit()["remote_failures"][0]["engine"] == "openai-moderation"


def test_it_still_blocks_locally_when_the_remote_engine_is_down(settings):
    settings.SCREENING_REMOTE_FAILURE_MODE = "open"
    decision = screen_prompt("Topless woman, realistic", engines=[failing_engine(httpx.ConnectError("refused"))])
    assert decision.decision == BLOCK


@pytest.mark.parametrize(
    ("status", "body", "code", "permanent"),
    [
        (500, {"error": "oops"}, "http_500", False),
        (429, {"error": "slow down"}, "http_429", False),
        (401, {"error": "bad key"}, "http_401", True),
        (200, {"unexpected": True}, "bad_response", False),
    ],
)
def test_it_turns_remote_errors_into_one_error_type(status, body, code, permanent):
    engine = openai_engine(body, status=status)
    with pytest.raises(RemoteEngineError) as caught:
        engine.detect(type("Ctx", (), {"prompt": "x"})())
    assert caught.value.code == code
    assert caught.value.permanent is permanent


def test_it_rejects_an_answer_that_is_not_json():
    engine = OpenAIModeration("k", transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"<html>")))
    with pytest.raises(RemoteEngineError, match="invalid JSON"):
        engine.detect(type("Ctx", (), {"prompt": "x"})())


def test_it_runs_no_remote_engine_unless_configured(settings):
    settings.SCREENING_REMOTE_ENGINES = ()
    assert configured_engines() == ()
    settings.SCREENING_REMOTE_ENGINES = ["openai", "azure"]
    settings.OPENAI_API_KEY = "sk-x"
    settings.AZURE_CONTENT_SAFETY_ENDPOINT = "https://example.cognitiveservices.azure.com"
    settings.AZURE_CONTENT_SAFETY_KEY = "k"
    engines = configured_engines()
    assert [engine.name for engine in engines] == ["openai-moderation", "azure-content-safety"]
    settings.SCREENING_REMOTE_ENGINES = ["perspective"]
    with pytest.raises(ValueError, match="Unknown remote screening engine"):
        configured_engines()
