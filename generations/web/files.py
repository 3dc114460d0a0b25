"""Serving stored files to a browser or a client: the one helper every door uses (portal, moderation,
the Kling door's signed links). Callers decide who may see a file; this streams it, with HTTP Range support
so a player can seek, or (media on S3 with S3_DOWNLOADS=presigned) redirects to a short-lived presigned URL.

One rule holds for every door: media held for a human review, or quarantined without a moderator's approval,
is never served here — not through the portal, not through a signed link, not to a moderator who happens to
be in the team. Moderators see it only through the moderation media route (a reviewer rendition, or the
original with a grant from an audited unblur), which says so with `reviewer_grant=True`; and quarantined
media is always streamed by the studio, never presigned.
"""

import re

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from generations.models import ReviewDecision, ReviewKind
from generations.selectors import withheld_for_good
from generations.states import Stage
from generations.storage import presigned_url

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
RANGE_CHUNK_BYTES = 64 * 1024


def _file_range(asset, start, end):
    """The bytes start..end (inclusive) of an asset's file, 64 KB at a time: a range of a whole clip never
    sits in memory at once."""
    with asset.file.open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(RANGE_CHUNK_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk



def is_withheld(asset) -> bool:
    """Whether the asset waits for (or failed) review: it is quarantined and no moderator approved its
    generation, or it is an output (not the team's own input) of a generation held at the output stage."""
    items = asset.generation.review_items.filter(kind=ReviewKind.HELD)
    if asset.quarantined:
        if withheld_for_good(asset.generation):
            return True
        return not items.filter(decision=ReviewDecision.APPROVED).exists()
    return not asset.role.startswith("input") and items.filter(decision="", stage=Stage.OUTPUT).exists()


def serve_file(request, asset, *, reviewer_grant=False):
    """Serve an asset the caller may see: a redirect to its presigned URL where the storage gives one, else
    its bytes with HTTP Range support, so the browser's player can seek. A withheld asset is a 404 unless
    the caller is the moderation route holding an unblur grant."""
    if not reviewer_grant and is_withheld(asset):
        raise Http404("No such file.")
    url = None if asset.quarantined else presigned_url(asset.file)
    if url:
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the link expires: never cache the redirect
        return response
    size = asset.size_bytes
    match = _RANGE.match(request.headers.get("Range", ""))
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    start_text, end_text = match.groups()
    if start_text:
        start = int(start_text)
        end = min(int(end_text), size - 1) if end_text else size - 1
    else:
        start = max(0, size - int(end_text))
        end = size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = StreamingHttpResponse(_file_range(asset, start, end), status=206, content_type=asset.content_type)
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
