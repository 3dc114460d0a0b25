"""Install an operator-supplied ONNX frame classifier: check its sha256, copy it into VAR_DIR/detectors and
print the SCAN_EXTRA_MODELS entry to add (see generations/moderation/visual/extra_models.py).

    python manage.py install_detector gore.onnx --sha256 HEX --labels 0=violence \\
        --input-size 224 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --activation softmax \\
        --thresholds violence=0.5,0.85

Nothing is downloaded; a file whose hash differs is refused and nothing is copied.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generations.moderation.visual.extra_models import ExtraModelError, install_model_file


def _floats(text: str, count: int | None = None) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"not a list of numbers: {text!r}") from exc
    if count is not None and len(values) not in (1, count):
        raise CommandError(f"expected 1 or {count} numbers, got {text!r}")
    return values * count if count is not None and len(values) == 1 else values


def _labels(text: str) -> dict:
    """"0=violence,2=self_harm" or "violence,,self_harm" (a list: blank for an unused output)."""
    if "=" in text:
        labels = {}
        for part in text.split(","):
            index, _, category = part.partition("=")
            if not index.strip().isdigit() or not category.strip():
                raise CommandError(f"labels are INDEX=CATEGORY pairs, not {part!r}")
            labels[int(index)] = category.strip()
        return labels
    return {index: name.strip() for index, name in enumerate(text.split(",")) if name.strip()}


def _thresholds(values: list[str]) -> dict:
    chosen = {}
    for value in values:
        category, _, pair = value.partition("=")
        review, block = _floats(pair, 2) if pair else (None, None)
        if not category or review is None:
            raise CommandError(f"thresholds are CATEGORY=REVIEW,BLOCK, not {value!r}")
        chosen[category.strip()] = [review, block]
    return chosen


class Command(BaseCommand):
    help = "Copy an ONNX frame classifier into VAR_DIR/detectors after checking its sha256; print its SCAN_EXTRA_MODELS entry."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .onnx model file")
        parser.add_argument("--sha256", required=True, help="the expected sha256 (64 hex digits)")
        parser.add_argument("--labels", required=True, help="output index → category: 0=violence,1=self_harm")
        parser.add_argument("--name", default="", help="the detector's name (default: the file's stem)")
        parser.add_argument("--input-size", default="224", help="W,H or one side (default 224)")
        parser.add_argument("--scale", type=float, default=1.0 / 255.0, help="pixel multiplier before mean/std")
        parser.add_argument("--mean", default="0", help="per-channel mean (R,G,B or one value)")
        parser.add_argument("--std", default="1", help="per-channel std (R,G,B or one value)")
        parser.add_argument("--activation", default="none", choices=("none", "sigmoid", "softmax"))
        parser.add_argument("--layout", default="NCHW", choices=("NCHW", "NHWC"))
        parser.add_argument("--thresholds", action="append", default=[], help="CATEGORY=REVIEW,BLOCK (repeatable)")
        parser.add_argument("--target-dir", default="", help="default: SCAN_DETECTORS_DIR (VAR_DIR/detectors)")

    def handle(self, *args, **options):
        size = [int(v) for v in _floats(options["input_size"])]
        if len(size) == 1:
            size = size * 2
        if len(size) != 2:
            raise CommandError("--input-size is W,H or one side")
        try:
            entry = install_model_file(
                options["path"],
                sha256=options["sha256"],
                labels=_labels(options["labels"]),
                target_dir=options["target_dir"] or settings.SCAN_DETECTORS_DIR,
                name=options["name"],
                input_size=size,
                scale=options["scale"],
                mean=_floats(options["mean"], 3),
                std=_floats(options["std"], 3),
                activation=options["activation"],
                layout=options["layout"],
                thresholds=_thresholds(options["thresholds"]),
            )
        except ExtraModelError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Installed {entry['path']}. Add this entry to SCAN_EXTRA_MODELS (a JSON list):")
        self.stdout.write(json.dumps(entry, indent=2))
