"""An invisible, keyed watermark in video frames: 48 bits of payload (plus a CRC-16) spread over the luma.

A self-contained numpy/OpenCV library, not yet wired into the pipeline.

Design (spread spectrum in a frame-normalised domain):

- The analysis grid is GRID×GRID cells stretched over the whole frame, whatever its size or aspect, so a
  downscale maps back onto the same grid. Each cell carries one ±1 chip of a keyed pseudo-random pattern.
- A quarter of the cells (keyed) carry a *pilot*: a fixed keyed ±1 pattern that does not depend on the
  payload; detection finds the crop offset and scale by FFT cross-correlation with it.
- The other cells are dealt out (keyed permutation) to the 64 coded bits — 48 payload bits + CRC-16 — so
  each bit is repeated over ~190 cells per frame and over every frame (repetition code: the bit's sign is
  the sign of the summed correlation).
- The grid pattern is upsampled to the frame (bilinear, so it has no hard block edges) and added to the
  luma with a strength scaled by local texture (perceptual masking), then normalised so the RMS change
  stays at `strength` (PSNR ≈ 20·log10(255/strength)). The same delta goes to R, G and B, which changes Y by
  exactly that delta and leaves chroma alone.
- Detection: per frame, luma minus a blur of itself (the content), divided by its local energy; summed over
  frames (the pattern is the same in every frame, the content is not). Then for each hypothesised kept
  fraction of width and height (1.0 … 0.86: uncropped, or up to 14 % cropped) the sum is resized onto its
  share of the grid and cross-correlated with the pilot (FFT) over the offsets that fit; the best peak,
  in standard deviations of the whole correlation map, gives the alignment. The bits are read there.
- Bits are decoded by sign, then Chase soft-decision decoding (flip the least reliable bits, most likely
  first) until the CRC-16 matches. Found = the pilot peak is far above chance (`PILOT_Z`) *and* a CRC matches.
  `confidence` is the normalised correlation between the residual and the re-synthesised pattern.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

import av
import cv2
import numpy as np

GRID = 96  # cells per side of the analysis grid (~7 px at 640 wide, ~13 px at 720p)
PAYLOAD_BYTES = 6
CODED_BITS = PAYLOAD_BYTES * 8 + 16
PILOT_SHARE = 0.25
UP = 2  # detection searches alignments in half cells
RESIDUAL_SIGMA = 0.5  # content blur, in grid cells
STRENGTH = 2.3  # RMS of the luma change, in 8-bit levels (PSNR ≈ 41 dB before clipping)
PILOT_Z = 6.0  # pilot peak in standard deviations of its correlation map; unmarked clips measure ≤ 4
CHASE_BITS = 8  # soft-decision decoding: try flipping up to the 8 least reliable coded bits
SCALES = tuple(round(1.0 - 0.01 * i, 3) for i in range(15))  # kept fraction of a side: 1.00 … 0.86


@dataclass(frozen=True)
class Detection:
    found: bool
    payload: bytes | None
    confidence: float  # normalised correlation of the residual with the pattern at the best alignment
    pilot_z: float = 0.0
    alignment: tuple[float, float, int, int] | None = None  # (kept_y, kept_x, offset_y, offset_x) in grid cells


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _bits_of(payload: bytes) -> np.ndarray:
    word = payload + crc16(payload).to_bytes(2, "big")
    return np.unpackbits(np.frombuffer(word, dtype=np.uint8)).astype(np.int8)


@dataclass(frozen=True)
class _Layout:
    chips: np.ndarray  # (GRID, GRID) ±1
    assign: np.ndarray  # (GRID, GRID) bit index, -1 for the pilot
    pilot: np.ndarray  # (GRID, GRID) chips on pilot cells, 0 elsewhere


def _layout(key: bytes) -> _Layout:
    seed = int.from_bytes(hashlib.sha256(b"studio-watermark-v1" + key).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    cells = GRID * GRID
    chips = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=cells)
    order = rng.permutation(cells)
    pilot_cells = int(cells * PILOT_SHARE)
    assign = np.empty(cells, dtype=np.int32)
    assign[order[:pilot_cells]] = -1
    assign[order[pilot_cells:]] = np.arange(cells - pilot_cells) % CODED_BITS
    chips, assign = chips.reshape(GRID, GRID), assign.reshape(GRID, GRID)
    return _Layout(chips=chips, assign=assign, pilot=np.where(assign < 0, chips, 0).astype(np.float32))


def _pattern(layout: _Layout, bits: np.ndarray) -> np.ndarray:
    signs = np.where(layout.assign < 0, 1.0, 2.0 * bits[np.maximum(layout.assign, 0)] - 1.0)
    return (layout.chips * signs).astype(np.float32)


def _luma(frame: np.ndarray) -> np.ndarray:
    rgb = frame.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


class Embedder:
    """Marks frames one at a time (the upsampled pattern is kept per frame size)."""

    def __init__(self, payload: bytes, key: bytes, strength: float = STRENGTH):
        if len(payload) != PAYLOAD_BYTES:
            raise ValueError(f"payload must be {PAYLOAD_BYTES} bytes")
        self.grid_pattern = _pattern(_layout(key), _bits_of(payload))
        self.strength = strength
        self._by_size: dict[tuple[int, int], np.ndarray] = {}

    def _full(self, height: int, width: int) -> np.ndarray:
        if (height, width) not in self._by_size:
            self._by_size[(height, width)] = cv2.resize(self.grid_pattern, (width, height), interpolation=cv2.INTER_LINEAR)
        return self._by_size[(height, width)]

    def mark(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        pattern = self._full(height, width)
        luma = _luma(frame)
        # Perceptual masking: local contrast (std over ~one grid cell), clipped to [0.4, 2.5]× its mean.
        cell = max(3, (max(height, width) // GRID) | 1)
        mean = cv2.blur(luma, (cell, cell))
        texture = np.sqrt(np.maximum(cv2.blur(luma * luma, (cell, cell)) - mean * mean, 0.0)) + 2.0
        weight = np.clip(texture / float(texture.mean()), 0.4, 2.5)
        delta = pattern * weight
        delta *= self.strength / max(float(np.sqrt(np.mean(delta * delta))), 1e-6)
        marked = frame.astype(np.float32) + delta[..., None]
        return np.clip(np.rint(marked), 0, 255).astype(np.uint8)


def embed(frames: list[np.ndarray], payload: bytes, key: bytes, strength: float = STRENGTH) -> list[np.ndarray]:
    embedder = Embedder(payload, key, strength)
    return [embedder.mark(frame) for frame in frames]


class Accumulator:
    """Sums the whitened luma residual of frames (all of one size) for detection."""

    def __init__(self):
        self.total: np.ndarray | None = None
        self.count = 0

    def add(self, frame: np.ndarray) -> None:
        luma = _luma(frame)
        # Only grid-scale detail matters: work at ~4 px per cell at most (a 720p frame at a third).
        factor = max(1, max(luma.shape) // (4 * GRID))
        if factor > 1:
            luma = cv2.resize(luma, (luma.shape[1] // factor, luma.shape[0] // factor), interpolation=cv2.INTER_AREA)
        height, width = luma.shape
        sigma = max(1.0, RESIDUAL_SIGMA * max(height, width) / GRID)
        residual = luma - cv2.GaussianBlur(luma, (0, 0), sigma)
        energy = cv2.GaussianBlur(residual * residual, (0, 0), 4 * sigma)
        residual /= np.sqrt(energy + 1.0)
        if self.total is None:
            self.total = residual
        elif self.total.shape != residual.shape:
            return  # a clip does not change size; ignore a stray frame rather than fail
        else:
            self.total += residual
        self.count += 1

    def detect(self, key: bytes) -> Detection:
        if self.total is None:
            return Detection(False, None, 0.0)
        return _decode(self.total, _layout(key))


def _decode(total: np.ndarray, layout: _Layout) -> Detection:
    # The search runs on a grid of UP×UP sub-cells, so a kept fraction need not be a whole number of cells.
    side = GRID * UP
    cells = np.ones((UP, UP), dtype=np.float32)
    chips_up, pilot_up = np.kron(layout.chips, cells), np.kron(layout.pilot, cells)
    assign_up = np.kron(layout.assign, np.ones((UP, UP), dtype=np.int32))
    pilot_spectrum = np.conj(np.fft.rfft2(pilot_up))
    best = (-np.inf, 1.0, 1.0, 0, 0, None)

    def score(kept_y: float, kept_x: float):
        rows, cols = max(8, round(side * kept_y)), max(8, round(side * kept_x))
        small = cv2.resize(total, (cols, rows), interpolation=cv2.INTER_AREA)
        small = (small - small.mean()) / (small.std() + 1e-6)
        canvas = np.zeros((side, side), dtype=np.float32)
        canvas[:rows, :cols] = small
        # corr[d] = Σ canvas(y) · pilot(y + d): the residual sits at offset d inside the original grid.
        corr = np.fft.irfft2(np.fft.rfft2(canvas).conj() * pilot_spectrum.conj(), s=(side, side))
        spread = corr.std() + 1e-9
        valid = corr[: side - rows + 1, : side - cols + 1]
        dy, dx = np.unravel_index(int(np.argmax(valid)), valid.shape)
        return float(valid[dy, dx] / spread), int(dy), int(dx), small

    for kept_y in SCALES:
        for kept_x in SCALES:
            z, dy, dx, small = score(kept_y, kept_x)
            if z > best[0]:
                best = (z, kept_y, kept_x, dy, dx, small)
    # Refine the scale by half a step around the winner.
    _, kept_y0, kept_x0 = best[:3]
    for kept_y in (kept_y0 - 0.005, kept_y0, kept_y0 + 0.005):
        for kept_x in (kept_x0 - 0.005, kept_x0, kept_x0 + 0.005):
            if kept_y > 1.0 or kept_x > 1.0:
                continue
            z, dy, dx, small = score(kept_y, kept_x)
            if z > best[0]:
                best = (z, kept_y, kept_x, dy, dx, small)
    pilot_z, kept_y, kept_x, dy, dx, small = best
    rows, cols = small.shape
    chips = chips_up[dy : dy + rows, dx : dx + cols]
    assign = assign_up[dy : dy + rows, dx : dx + cols]
    data = assign >= 0
    soft = np.bincount(assign[data], weights=(small * chips)[data], minlength=CODED_BITS)
    bits, crc_ok = _chase(soft)
    payload = np.packbits(bits).tobytes()[:PAYLOAD_BYTES]
    pattern = np.kron(_pattern(layout, bits), cells)[dy : dy + rows, dx : dx + cols]
    confidence = float(np.sum(small * pattern) / (np.linalg.norm(small) * np.linalg.norm(pattern) + 1e-9))
    found = pilot_z >= PILOT_Z and crc_ok
    return Detection(
        found=found,
        payload=payload if found else None,
        confidence=confidence,
        pilot_z=pilot_z,
        alignment=(kept_y, kept_x, dy, dx),
    )


def _chase(soft: np.ndarray) -> tuple[np.ndarray, bool]:
    """Soft-decision decoding with the CRC as the check (Chase): the hard decision first, then flips of
    the CHASE_BITS least reliable bits, most likely first; the first word whose CRC-16 matches wins.
    Up to 2**CHASE_BITS tries, so a random word passes with odds 2**CHASE_BITS / 65536 — detection also
    needs the pilot far above chance, which unmarked clips do not reach."""
    hard = (soft > 0).astype(np.uint8)
    weakest = np.argsort(np.abs(soft))[:CHASE_BITS]
    costs = np.abs(soft[weakest])
    flips = sorted(range(1 << CHASE_BITS), key=lambda m: sum(costs[i] for i in range(CHASE_BITS) if m >> i & 1))
    for mask in flips:
        bits = hard.copy()
        for i in range(CHASE_BITS):
            if mask >> i & 1:
                bits[weakest[i]] ^= 1
        word = np.packbits(bits).tobytes()
        if int.from_bytes(word[PAYLOAD_BYTES:], "big") == crc16(word[:PAYLOAD_BYTES]):
            return bits, True
    return hard, False


def detect(frames: list[np.ndarray], key: bytes) -> Detection:
    accumulator = Accumulator()
    for frame in frames:
        accumulator.add(frame)
    return accumulator.detect(key)


def embed_video(path_in, path_out, payload: bytes, key: bytes, *, crf: int = 18, strength: float = STRENGTH) -> int:
    """Re-encode `path_in` to `path_out` (H.264, yuv420p, CRF `crf`) with every frame marked; video only.
    Returns the number of frames written."""
    embedder = Embedder(payload, key, strength)
    written = 0
    with av.open(str(path_in)) as source, av.open(str(path_out), "w") as sink:
        in_stream = source.streams.video[0]
        rate = in_stream.average_rate or Fraction(24)
        out = sink.add_stream("libx264", rate=rate)
        out.width, out.height = in_stream.codec_context.width, in_stream.codec_context.height
        out.pix_fmt = "yuv420p"
        out.options = {"crf": str(crf), "preset": "veryfast"}
        for frame in source.decode(in_stream):
            marked = embedder.mark(frame.to_ndarray(format="rgb24"))
            for packet in out.encode(av.VideoFrame.from_ndarray(marked, format="rgb24")):
                sink.mux(packet)
            written += 1
        for packet in out.encode():
            sink.mux(packet)
    return written


def detect_video(path, key: bytes, max_frames: int = 240) -> Detection:
    accumulator = Accumulator()
    with av.open(str(path)) as source:
        for index, frame in enumerate(source.decode(video=0)):
            if index >= max_frames:
                break
            accumulator.add(frame.to_ndarray(format="rgb24"))
    return accumulator.detect(key)
