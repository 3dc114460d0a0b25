"""Inspecting media files with PyAV: is this really a playable video, and what does it look like?"""

import io
from dataclasses import dataclass

import av


class MediaError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    width: int
    height: int
    codec: str
    frames: int


def probe_video(path) -> VideoInfo:
    """Decode every frame of the first video stream. A file that does not fully decode is refused."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError("output_not_video", "The result has no video stream.")
            stream = container.streams.video[0]
            frames = 0
            last_end = 0.0
            first_start = None
            for frame in container.decode(stream):
                frames += 1
                if frame.pts is not None and frame.time_base is not None:
                    start = float(frame.pts * frame.time_base)
                    first_start = start if first_start is None else first_start
                    frame_span = 1 / float(stream.average_rate) if stream.average_rate else 0
                    last_end = max(last_end, start + frame_span)
            if frames == 0:
                raise MediaError("output_not_video", "The result contains no decodable frames.")
            duration = last_end - (first_start or 0.0)
            if duration <= 0 and container.duration:
                duration = container.duration / av.time_base
            return VideoInfo(
                duration_s=round(duration, 3),
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                codec=stream.codec_context.name,
                frames=frames,
            )
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError, IndexError) as exc:
        raise MediaError("output_corrupt", f"The result is not a decodable video ({type(exc).__name__}).") from exc


def poster_jpeg(path, *, at_fraction=0.3, max_side=640) -> bytes:
    """A JPEG still from about `at_fraction` into the clip (first frames are often black)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        target_index = int(total * at_fraction) if total else 0
        chosen = None
        for index, frame in enumerate(container.decode(stream)):
            chosen = frame
            if index >= target_index:
                break
        if chosen is None:
            raise MediaError("output_not_video", "The result contains no decodable frames.")
        image = chosen.to_image()
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()
