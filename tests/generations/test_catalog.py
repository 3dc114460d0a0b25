import pytest

from generations.catalog import MAX_PROMPT_CHARS, validate_generation_request
from generations.errors import GenerationError


def validate(**data):
    return validate_generation_request(data, default_model="kling-v1-6")


@pytest.mark.parametrize(
    "data, code, field",
    [
        ({}, "prompt_required", "prompt"),
        ({"prompt": "   \n\t "}, "prompt_required", "prompt"),
        ({"prompt": "x" * (MAX_PROMPT_CHARS + 1)}, "prompt_too_long", "prompt"),
        ({"prompt": "ok", "negative_prompt": "y" * (MAX_PROMPT_CHARS + 1)}, "negative_prompt_too_long", "negative_prompt"),
        ({"prompt": 42}, "invalid_field_type", "prompt"),
        ({"prompt": "ok", "kind": "audio"}, "invalid_kind", "kind"),
        ({"prompt": "ok", "model": "kling-v9"}, "invalid_model", "model"),
        ({"prompt": "ok", "model": "kling-v1-5"}, "model_not_capable", "model"),
        ({"prompt": "ok", "duration": "7"}, "invalid_duration", "duration"),
        ({"prompt": "ok", "duration": 5.5}, "invalid_duration", "duration"),
        ({"prompt": "ok", "duration": True}, "invalid_duration", "duration"),
        ({"prompt": "ok", "model": "kling-v3", "duration": "16"}, "invalid_duration", "duration"),
        ({"prompt": "ok", "aspect_ratio": "4:3"}, "invalid_aspect_ratio", "aspect_ratio"),
        ({"prompt": "ok", "mode": "ultra"}, "invalid_mode", "mode"),
        ({"prompt": "ok", "cfg_scale": 1.5}, "invalid_cfg_scale", "cfg_scale"),
        ({"prompt": "ok", "model": "kling-v2-master", "cfg_scale": 0.5}, "cfg_scale_not_supported", "cfg_scale"),
    ],
)
def test_it_refuses_bad_requests_with_a_stable_code(data, code, field):
    with pytest.raises(GenerationError) as caught:
        validate(**data)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.message


def test_it_fills_the_contract_defaults():
    request = validate(prompt="  A red kite over the dunes  ")
    assert (request.prompt, request.model_name, request.duration, request.mode, request.aspect_ratio) == (
        "A red kite over the dunes",
        "kling-v1-6",
        "5",
        "std",
        "16:9",
    )


def test_it_sends_the_duration_as_a_string_even_when_given_a_number():
    assert validate(prompt="ok", duration=10).duration == "10"


def test_it_allows_the_v3_duration_range():
    assert validate(prompt="ok", model="kling-v3", duration="3").duration == "3"
    assert validate(prompt="ok", model="kling-v3", duration="15").duration == "15"


def test_a_prompt_of_exactly_the_limit_is_accepted():
    assert len(validate(prompt="x" * MAX_PROMPT_CHARS).prompt) == MAX_PROMPT_CHARS
