"""`bench scan` runs the scanner on a rendered clip and reports scan time against clip length. Only what
it reports is tested here; how fast the scan is is the benchmark's business, not a test's."""

import pytest

from studio.perf.bench_scan import run_scan_bench


def test_it_reports_scan_time_against_clip_length_on_a_short_clip(real_detectors):
    result = run_scan_bench(duration=2.0, size=(360, 640), repeats=1)
    assert {"scan_s", "frames", "clip_s", "ratio"} <= set(result)
    assert result["clip_s"] == pytest.approx(2.0)
    assert result["frames"] >= 5  # first, last, 2 fps and the cuts
    assert result["ratio"] == pytest.approx(result["scan_s"] / result["clip_s"], rel=0.01)
    assert result["verdict"] == "allow"


@pytest.mark.slow
def test_it_finds_the_cuts_of_the_reference_clip(real_detectors):
    result = run_scan_bench(repeats=1)
    assert result["clip_s"] == pytest.approx(10.0)
    assert result["size"] == "720x1280"
    assert all(any(abs(found - cut) < 0.05 for found in result["cuts_found_s"]) for cut in (2.5, 5.0, 7.5))
