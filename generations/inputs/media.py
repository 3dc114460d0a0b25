"""Inspecting media files with PyAV: is this really a playable video, and what does it look like?

`VideoInspector` holds the rules (frame count, duration, size, codec, the poster frame) and is fed frames
by whoever decodes the clip: `probe_video` here, or the output scanner's first pass
(`moderation.scanning.inspect_and_scan`), so that a result clip is decoded once, not once per question.
"""

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


class VideoInspector:
    """A frame tap: `start(container, stream)` once the clip is open, `frame(index, frame)` for every
    decoded frame in presentation order, `finish()` before the container closes. Then `info` and
    `poster` describe the clip. It decodes nothing itself."""

    def __init__(self, *, poster_at: float = 0.3, poster_max_side: int = 640):
        self.poster_at = poster_at
        self.poster_max_side = poster_max_side
        self.frames = 0
        self._frame_span = 0.0
        self._first_start = None
        self._last_end = 0.0
        self._poster_index = 0
        self._poster_frame = None
        self._stream_facts = None
        self._poster = None

    def start(self, container, stream) -> None:
        self._frame_span = 1 / float(stream.average_rate) if stream.average_rate else 0.0
        # From the container's index, so the poster is known when its frame goes by; first frames are
        # often black, so not the opening one.
        self._poster_index = int((stream.frames or 0) * self.poster_at)

    def frame(self, index: int, frame) -> None:
        self.frames += 1
        if frame.pts is not None and frame.time_base is not None:
            start = float(frame.pts * frame.time_base)
            if self._first_start is None:
                self._first_start = start
            self._last_end = max(self._last_end, start + self._frame_span)
        if index <= self._poster_index:
            # Held, not converted: a clip shorter than its index promised gets its last frame.
            self._poster_frame = frame

    def finish(self, container, stream) -> None:
        codec = stream.codec_context
        container_s = container.duration / av.time_base if container.duration else 0.0
        self._stream_facts = (codec.width, codec.height, codec.name, container_s)
        if self._poster_frame is not None:
            self._poster = jpeg_still(self._poster_frame, max_side=self.poster_max_side)
            self._poster_frame = None

    @property
    def info(self) -> VideoInfo:
        if self._stream_facts is None:
            raise RuntimeError("VideoInspector.info read before finish()")
        if self.frames == 0:
            raise MediaError("output_not_video", "The result contains no decodable frames.")
        width, height, codec, container_s = self._stream_facts
        duration = self._last_end - (self._first_start or 0.0)
        if duration <= 0 and container_s:
            duration = container_s
        return VideoInfo(duration_s=round(duration, 3), width=width, height=height, codec=codec, frames=self.frames)

    @property
    def poster(self) -> bytes:
        if self._poster is None:
            raise MediaError("output_not_video", "The result contains no decodable frames.")
        return self._poster


def jpeg_still(frame, *, max_side=640) -> bytes:
    image = frame.to_image()
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def probe_video(path) -> VideoInfo:
    """Decode every frame of the first video stream. A file that does not fully decode is refused."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError("output_not_video", "The result has no video stream.")
            stream = container.streams.video[0]
            inspector = VideoInspector()
            inspector.start(container, stream)
            for index, frame in enumerate(container.decode(stream)):
                inspector.frame(index, frame)
            inspector.finish(container, stream)
            return inspector.info
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
        return jpeg_still(chosen, max_side=max_side)
