"""Say where a video or image came from: its C2PA content credentials and this studio's watermark.

    python manage.py verify_media clip.mp4
    python manage.py verify_media clip.mp4 --json

Exit status: 0 when the file was checked (whatever it says), 2 when it could not be read.
"""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from generations.actions.provenance import UnsupportedMedia, check_media


class Command(BaseCommand):
    help = "Check a video or image for content credentials and this studio's invisible watermark."

    def add_arguments(self, parser):
        parser.add_argument("path", help="an MP4/MOV video or a JPEG/PNG/WebP image")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, path, **options):
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such file", returncode=2)
        try:
            report = check_media(path)
        except UnsupportedMedia as error:
            if options["json"]:
                self.stdout.write(json.dumps({"error": {"code": error.code, "message": error.message}}))
            raise CommandError(f"{path}: {error.message} ({error.code})", returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        self.stdout.write(f"{path}: {report['verdict'].replace('_', ' ')}")
        for line in report["summary"]:
            self.stdout.write(f"  {line}")
        claims, mark = report["credentials"], report["watermark"]
        detail = f"  credentials: {claims['state']}"
        if claims.get("reason"):
            detail += f" ({claims['reason']})"
        self.stdout.write(detail)
        if claims.get("actions"):
            self.stdout.write(f"  actions: {', '.join(claims['actions'])}")
        if mark.get("checked"):
            found = f"found, confidence {mark['confidence']:.2f}" if mark["found"] else "not found"
            self.stdout.write(f"  watermark: {found} ({mark['frames_read']} frames read)")
