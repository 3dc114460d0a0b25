"""Scan a video or image file with the configured detectors and print the verdict.

    python manage.py scan_media clip.mp4
    python manage.py scan_media input.png --json
    python manage.py scan_media clip.mp4 --evidence out/   # blurred deciding frames as JPEGs
"""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, UnidentifiedImageError

from generations.moderation.visual.detectors import warm_up
from generations.moderation.visual.scanning import (
    ScanError,
    evidence_frames,
    scan_image,
    scan_video,
)

# Still-image formats scanned as one frame; anything else is treated as a clip.
_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "BMP"}


def _is_image(path) -> bool:
    try:
        with Image.open(path) as image:
            return image.format in _IMAGE_FORMATS
    except (UnidentifiedImageError, OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Scan a video or image file for unsafe content and print the verdict."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a video (MP4, MOV, WebM…) or an image (JPEG, PNG, WebP)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--evidence", metavar="DIR", help="write the blurred deciding frames to DIR as JPEGs")

    def handle(self, *args, **options):
        path, as_json, evidence = options["path"], options["json"], options["evidence"]
        if not os.path.isfile(path):
            raise CommandError(f"scan_unreadable: {path} is not a file")
        try:
            # Loaded and warmed first, as a worker does, so scan_s is the time a job would take.
            skipped = warm_up()["skipped"]
            verdict = scan_image(path) if _is_image(path) else scan_video(path)
            written = self._write_evidence(path, verdict, evidence) if evidence else []
        except ScanError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        if as_json:
            self._print_json(verdict, skipped, written)
        else:
            self._print_text(verdict, skipped, written)

    def _write_evidence(self, path, verdict, directory):
        os.makedirs(directory, exist_ok=True)
        written = []
        for t, data in evidence_frames(path, verdict):
            target = os.path.join(directory, f"frame-{t:08.3f}s.jpg")
            with open(target, "wb") as fh:
                fh.write(data)
            written.append(target)
        return written

    def _print_json(self, verdict, skipped, written):
        payload = verdict.as_audit()
        payload["skipped_detectors"] = skipped
        if written:
            payload["evidence"] = written
        self.stdout.write(json.dumps(payload, sort_keys=True))

    def _print_text(self, verdict, skipped, written):
        write = self.stdout.write
        write(f"verdict: {verdict.verdict}")
        write(f"media: {verdict.media}, {verdict.duration_s:.2f} s, {verdict.frames_total} frames")
        write(f"detectors: {', '.join(verdict.detectors)}")
        for name, reason in skipped.items():
            write(f"  skipped {name}: {reason}")
        write(f"frames scored: {verdict.frames_scored} ({_reasons(verdict)})")
        for category, summary in verdict.categories.items():
            write(f"{category}: {summary['level']} (score {summary['score']:.3f}, peak {summary['peak']:.3f}, {summary['detector']})")
        if verdict.deciding_frames:
            write("deciding frames:")
            for frame in verdict.deciding_frames:
                boxes = f", {len(frame.boxes)} boxes" if frame.boxes else ""
                write(f"  t={frame.t:.3f}s #{frame.index} {frame.detector}.{frame.category}={frame.score:.3f} ({frame.reason}{boxes})")
        else:
            write("deciding frames: none")
        for target in written:
            write(f"evidence: {target}")
        write(f"scan: {verdict.scan_s:.3f} s")


def _reasons(verdict):
    picked = verdict.sampling.get("picked") or {}
    return ", ".join(f"{reason} {count}" for reason, count in picked.items() if count) or "one image"

