"""Loading what a request carries into checked objects, for every entry point (API JSON, multipart uploads,
the portal, the Kling-compatible routes): the media (images, audio), a JSON body, and the bound on how much
of a multipart request is read at all."""

import json

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict

from generations.catalog import (
    AVATAR,
    ELEMENT_REFER_IMAGES,
    LIP_SYNC,
    MULTI_IMAGE2IMAGE,
    MULTI_IMAGE_MAX,
    OMNI_MAX_IMAGES,
)
from generations.errors import GenerationError
from generations.inputs.audio import load_audio
from generations.inputs.images import load_image

# Kinds that take an audio input; for every other kind `audio` is refused before anything decodes it.
AUDIO_KINDS = (LIP_SYNC, AVATAR)


def load_media_inputs(data: dict) -> dict:
    """`data` with image, image_tail, images[] and audio replaced by InputImage / InputAudio. Each value may
    be base64 text, an http(s) URL (images only, through the outbound guard) or an upload."""
    data = dict(data)
    if data.get("audio") not in (None, "") and data.get("kind") not in AUDIO_KINDS:
        # Refused first: decoding an upload is the expensive part, and this kind would ignore it anyway.
        raise GenerationError(
            "audio_not_applicable", f"audio is only used by {', '.join(AUDIO_KINDS)}; remove it or pick that kind.", field="audio"
        )
    for name in ("image", "image_tail"):
        if data.get(name) not in (None, ""):
            data[name] = load_image(data[name], field=name)
        else:
            data.pop(name, None)
    for name in ("scene_image", "style_image"):  # multi-image2image's scene and style
        if data.get(name) in (None, ""):
            data.pop(name, None)
        elif data.get("kind") != MULTI_IMAGE2IMAGE:
            raise GenerationError("field_not_applicable", f"{name} is only used by {MULTI_IMAGE2IMAGE}.", field=name)
        else:
            data[name] = load_image(data[name], field=name)
    images = data.get("images")
    if images not in (None, "", [], ()):
        if not isinstance(images, (list, tuple)):
            raise GenerationError("invalid_field_type", "images must be a list of images.", field="images")
        if len(images) > MULTI_IMAGE_MAX:
            # Refuse before fetching or decoding any of them.
            raise GenerationError("invalid_image_count", f"At most {MULTI_IMAGE_MAX} images.", field="images")
        data["images"] = [load_image(image, field=f"images[{index}]") for index, image in enumerate(images)]
    else:
        data.pop("images", None)
    image_list = data.get("image_list")
    if image_list not in (None, "", [], ()):
        # omni-video's images, each {"image", "type"}: loaded in place, the list's shape checked by the catalog.
        if not isinstance(image_list, (list, tuple)) or not all(isinstance(entry, dict) for entry in image_list):
            raise GenerationError("invalid_field_type", 'image_list must be a list of objects like {"image", "type"}.', field="image_list")
        if len(image_list) > OMNI_MAX_IMAGES:
            raise GenerationError("too_many_images", f"image_list takes at most {OMNI_MAX_IMAGES}; was {len(image_list)}.", field="image_list")
        data["image_list"] = [
            {**entry, "image": load_image(entry["image"], field=f"image_list[{index}].image")}
            if entry.get("image") not in (None, "") else dict(entry)
            for index, entry in enumerate(image_list)
        ]
    if data.get("audio") not in (None, ""):
        data["audio"] = load_audio(data["audio"])
    else:
        data.pop("audio", None)
    return data


# --- the multipart size bound ------------------------------------------------------------------------

REQUEST_TOO_LARGE = "request_too_large"


def _max_upload_bytes():
    return settings.MAX_UPLOAD_REQUEST_BYTES


class BoundedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: refuses a multipart body whose declared length is over the limit
    without reading it, and stops reading one that turns out longer (every file chunk passes through
    here before the next handler writes it to memory or disk). `too_large` tells the middleware."""

    too_large = False

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > _max_upload_bytes():
            self.too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()  # parsed as empty: nothing is read
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > _max_upload_bytes():
            self.too_large = True
            raise StopUpload(connection_reset=True)  # Django closes and deletes what was written so far
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large_response(request):
    limit_mb = _max_upload_bytes() / (1024 * 1024)
    return JsonResponse(
        {"error": {"code": REQUEST_TOO_LARGE, "message": f"The request is larger than {limit_mb:g} MB; nothing was stored.",
                   "request_id": getattr(request, "request_id", "")}},
        status=413,
    )


class UploadLimitMiddleware:
    """Before CSRF (which parses the body to find its token) or any view: a multipart request larger than
    MAX_UPLOAD_REQUEST_BYTES is answered 413 `request_too_large`, having read at most that much."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > _max_upload_bytes():
                return _too_large_response(request)
            request.POST  # parse now, through BoundedUploadHandler  # noqa: B018
            if any(getattr(handler, "too_large", False) for handler in request.upload_handlers):
                return _too_large_response(request)
        return self.get_response(request)


def parse_json_body(raw, *, empty=b"{}"):
    """The request body as JSON, or GenerationError: `invalid_json` for what is not JSON, `json_too_deep`
    for nesting no real request has (Python's parser raises RecursionError on it: a 500 if not caught)."""
    try:
        return json.loads(raw or empty)
    except RecursionError:
        raise GenerationError("json_too_deep", "Invalid request parameters: the JSON is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise GenerationError("invalid_json", "Invalid request parameters: the body is not JSON") from None


def load_element_inputs(data: dict) -> dict:
    """An element's creation with `frontal_image` and `refer_images` replaced by InputImage (each base64, an http(s)
    URL through the outbound guard, or an upload, bounded as every input image is). Too many images are refused
    before any is fetched or decoded."""
    data = dict(data)
    if data.get("frontal_image") not in (None, ""):
        data["frontal_image"] = load_image(data["frontal_image"], field="frontal_image")
    else:
        data.pop("frontal_image", None)
    refers = data.get("refer_images")
    if refers in (None, "", [], ()):
        data.pop("refer_images", None)
        return data
    if not isinstance(refers, (list, tuple)):
        raise GenerationError("invalid_field_type", "refer_images must be a list of images.", field="element_image_list")
    low, high = ELEMENT_REFER_IMAGES
    if len(refers) > high:
        raise GenerationError(
            "invalid_refer_image_count", f"image_refer takes {low} to {high} refer_images besides the frontal one; were {len(refers)}.",
            field="element_image_list",
        )
    data["refer_images"] = [load_image(image, field=f"refer_images[{index}]") for index, image in enumerate(refers)]
    return data
