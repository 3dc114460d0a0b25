"""Loading the media a create request carries (images, audio) into checked objects, for every entry point
(API JSON, multipart uploads, the portal, the Kling-compatible routes)."""

from .audio import load_audio
from .catalog import MULTI_IMAGE_MAX
from .errors import GenerationError
from .images import load_image


def load_media_inputs(data: dict) -> dict:
    """`data` with image, image_tail, images[] and audio replaced by InputImage / InputAudio. Each value may
    be base64 text, an http(s) URL (images only, through the outbound guard) or an upload."""
    data = dict(data)
    for name in ("image", "image_tail"):
        if data.get(name) not in (None, ""):
            data[name] = load_image(data[name], field=name)
        else:
            data.pop(name, None)
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
    if data.get("audio") not in (None, ""):
        data["audio"] = load_audio(data["audio"])
    else:
        data.pop("audio", None)
    return data
