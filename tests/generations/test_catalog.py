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


# --- an inline negative section (the image-model habit) becomes the negative prompt -------------------------------


@pytest.mark.parametrize(
    "prompt, sent, negative",
    [
        ("negative: blurry, lowres, watermark | portrait, old fisherman, smiling",
         "portrait, old fisherman, smiling", "blurry, lowres, watermark"),
        ("positive: beach, woman, standing; negative: clothes, swimsuit, censored",
         "beach, woman, standing", "clothes, swimsuit, censored"),
        ("Two adults dancing a tango. Negative: blur, text.", "Two adults dancing a tango.", "blur, text."),
        ("a fox in the snow, neg: people, cars", "a fox in the snow", "people, cars"),
        ("A dog on the beach\nNegative prompt: (nsfw:1.5), lowres", "A dog on the beach", "(nsfw:1.5), lowres"),
        ("negative_prompt: watermark\nA lighthouse at dusk", "A lighthouse at dusk", "watermark"),
        ("a cat on a sofa --no people, text --ar 16:9", "a cat on a sofa --ar 16:9", "people, text"),
        ("ネガティブ：低品質、ぼやけ | 少女、桜、春", "少女、桜、春", "低品質、ぼやけ"),
        ("负面提示词：模糊，低质量\n一只猫在窗台上", "一只猫在窗台上", "模糊，低质量"),
        ("un perro en la playa. Negativo: texto, personas", "un perro en la playa.", "texto, personas"),
        ("ein Hund im Schnee | Negativ: Text", "ein Hund im Schnee", "Text"),
        ("кот на окне; негатив: размытие", "кот на окне", "размытие"),
        ("a fox | negative: blur | a fox jumping\nnegative: text", "a fox | a fox jumping", "blur, text"),
    ],
)
def test_an_inline_negative_section_is_sent_as_the_negative_prompt(prompt, sent, negative):
    request = validate(prompt=prompt)
    assert (request.prompt, request.negative_prompt) == (sent, negative)


@pytest.mark.parametrize(
    "prompt",
    [
        "a battery, the negative terminal is black",  # no label: a word of the scene
        "a heart monitor showing a negative: test result",  # a label only after a separator or a line break
        "film negative strips on a light table",
        "negative: nsfw",  # nothing else would be left to send
        "the --no-signal screen of an old TV",
    ],
)
def test_a_prompt_without_an_inline_negative_section_is_sent_as_written(prompt):
    request = validate(prompt=prompt)
    assert (request.prompt, request.negative_prompt) == (prompt, "")


def test_the_inline_section_follows_the_negative_prompt_of_its_own_field():
    request = validate(prompt="a kite over dunes, negative: birds", negative_prompt="text, watermark")
    assert (request.prompt, request.negative_prompt) == ("a kite over dunes", "text, watermark, birds")


def test_together_past_the_limit_is_refused_by_the_negative_prompt():
    with pytest.raises(GenerationError) as caught:
        validate(prompt="a kite, negative: birds", negative_prompt="y" * MAX_PROMPT_CHARS)
    assert (caught.value.code, caught.value.field) == ("negative_prompt_too_long", "negative_prompt")
    assert "inline negative section" in caught.value.message


def test_a_kind_without_a_negative_prompt_sends_the_section_as_written():
    # Its words reach the model as the prompt, so they are screened as the prompt: nothing is taken out unseen.
    prompt = "beach, woman, standing; negative: clothes, swimsuit"
    request = validate_generation_request({"kind": "omni-video", "prompt": prompt}, default_model="kling-video-o1")
    assert (request.prompt, request.negative_prompt) == (prompt, "")


def test_an_image_with_a_reference_image_sends_the_section_as_written():
    # Image to image takes no negative prompt: the section stays in the prompt, screened as the prompt.
    prompt = "a lighthouse, negative: fog"
    checked_image = object()  # the door has loaded and checked it; validation only asks whether there is one
    request = validate_generation_request(
        {"kind": "images/generations", "prompt": prompt, "model": "kling-v1-5", "image": checked_image,
         "image_reference": "subject"},
        default_model="kling-v1-5",
    )
    assert (request.prompt, request.negative_prompt) == (prompt, "")
    assert validate_generation_request(
        {"kind": "images/generations", "prompt": prompt, "model": "kling-v1-5"}, default_model="kling-v1-5"
    ).negative_prompt == "fog"


def test_the_inline_section_is_found_without_backtracking():
    from generations import catalog  # noqa: PLC0415 - the patterns themselves, only here

    # Possessive runs only, and a section is cut by one search of its own text (see split_inline_negative).
    for pattern in (catalog._LABELLED_NEGATIVE, catalog._NO_FLAG, catalog._POSITIVE_LABEL, catalog._ENDS_AT):
        assert "*+" in pattern.pattern or "++" in pattern.pattern
        assert "*?" not in pattern.pattern and "+?" not in pattern.pattern
