"""What does marking cost per clip? `run_provenance_bench()` marks clips the way the worker does
(`generations.provenance.marking.mark_output`: invisible watermark + visible label in one decode/encode,
then C2PA on the clip and its poster) and reports the time against the clip's duration.

Target (issue #20): credentials + watermark ≤ 0.15 × the clip's duration on this machine. Cases: the
simulator's own 640×360 render (what the studio delivers in tests and demos) and a textured 1280×720
clip (closer to a real model's output: film grain makes the encoder work), 5 s each at 24 fps, plus the
time `verify_media` needs to check the result.

    python manage.py bench provenance --json
"""

from __future__ import annotations

import datetime
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from generations.inputs.media import poster_jpeg
from generations.provenance import credentials, identity, marking, verification
from generations.simulator.render import render_clip
from studio.perf.bench_watermark import clip, clip_file

BUDGET = 0.15
DURATION_S = 5.0


def _cases(workdir: Path):
    sim = workdir / "simulator-360p.mp4"
    sim.write_bytes(render_clip("A lighthouse beam sweeping over a calm sea at dusk", duration=DURATION_S, seed=1))
    textured = workdir / "textured-720p.mp4"
    clip_file(textured, clip("A city street at night, rain on the lens", 2, duration=DURATION_S, height=720, textured=True))
    return {"simulator_360p": sim, "textured_720p": textured}


def _mark_once(raw: Path, workdir: Path, *, label: bool) -> dict:
    run_dir = Path(tempfile.mkdtemp(dir=workdir))
    poster = poster_jpeg(raw)  # the worker has it from the scan's decode: not part of marking
    started = time.perf_counter()
    marked = marking.mark_output(
        raw, poster, run_dir, generation_public_id=uuid.uuid4(), model_name="kling-v2-6",
        created_at=datetime.datetime.now(datetime.UTC), label=label,
    )
    total = time.perf_counter() - started
    return {"total_s": total, "watermark_s": marked.record.get("watermark_s"), "sign_s": marked.record.get("sign_s"),
            "path": marked.video_path}


def run_provenance_bench(n: int | None = None) -> dict:
    repeats = n or 3
    chain = credentials.ensure_signing_chain()
    mark_identity = identity.watermark_identity()
    results = {"budget_ratio": BUDGET, "clip_s": DURATION_S, "repeats": repeats, "cases": {}}
    with tempfile.TemporaryDirectory(prefix="bench-provenance-") as tmp:
        workdir = Path(tmp)
        for name, raw in _cases(workdir).items():
            for label in (True, False):
                runs = [_mark_once(raw, workdir, label=label) for _ in range(repeats)]
                total = statistics.median(run["total_s"] for run in runs)
                started = time.perf_counter()
                report = verification.inspect_file(runs[0]["path"], trust_anchor_pem=chain.ca_pem, mark_identity=mark_identity)
                verify_s = time.perf_counter() - started
                results["cases"][f"{name}{'_labelled' if label else ''}"] = {
                    "mark_s": round(total, 3),
                    "watermark_s": round(statistics.median(run["watermark_s"] for run in runs), 3),
                    "sign_s": round(statistics.median(run["sign_s"] for run in runs), 3),
                    "ratio": round(total / DURATION_S, 3),
                    "within_budget": total / DURATION_S <= BUDGET,
                    "verify_s": round(verify_s, 3),
                    "verified": report["credentials"]["state"] == "trusted" and report["watermark"]["found"],
                }
    return results
