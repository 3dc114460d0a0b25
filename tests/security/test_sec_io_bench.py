"""`manage.py bench abuse --json` (issue #17): one run measures every hostile case, each refused."""

import io
import json

import pytest
from django.core.management import call_command

from studio.perf.bench_abuse import CASES, REFUSALS


@pytest.mark.slow
def test_bench_abuse_reports_every_case_refused_with_its_costs():
    out = io.StringIO()
    call_command("bench", "abuse", "--json", "-n", "8", stdout=out)  # an 8 MB webhook body, smaller bombs
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["benchmark"] == "abuse"
    assert [case["case"] for case in report["cases"]] == list(CASES)
    for case in report["cases"]:
        assert {"wall_s", "cpu_s", "peak_rss_increase_mb", "code"} <= case.keys(), case
        assert all(isinstance(case[key], (int, float)) for key in ("wall_s", "cpu_s", "peak_rss_increase_mb"))
    by_case = {case["case"]: case for case in report["cases"]}
    for name in REFUSALS:
        assert by_case[name]["refused"] is True, by_case[name]
    assert by_case["audio_bomb"]["code"] == "audio_unsupported_codec"
    assert by_case["image_bomb"]["code"] == "image_too_many_pixels"
    assert by_case["slow_drip_url"]["code"] == "image_fetch_too_slow"
    assert by_case["deep_json"]["code"] == "kling_1201" and by_case["deep_json"]["http_status"] == 400
    webhook = by_case["webhook_400mb_body"]
    assert webhook["excerpt_bytes"] <= 2048 and webhook["server_bytes_sent"] < webhook["input"]["promised_bytes"]
    assert by_case["pathological_prompt"]["code"].startswith("screening_")  # measured only: another fix owns it
