"""The public transparency report: every figure equals a query over the database."""

import csv
import datetime as dt
import io
import statistics
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType
from generations.actions import reports
from generations.models import Generation, ReviewItem
from tests.moderation.test_dsa_statements import make_world

pytestmark = pytest.mark.django_db


def _period_now():
    now = timezone.now()
    label, since, until = reports.period_bounds(f"{now:%Y-%m}")
    if now - dt.timedelta(minutes=15) < since:
        pytest.skip("the world's decisions would straddle two months")
    return label, since, until


def _expected(since, until):
    """The report's figures, counted straight from the tables."""
    in_created = Q(created_at__gte=since, created_at__lt=until)
    screening = Generation.objects.filter(in_created).filter(
        Q(screening_result__decision__in=["block", "review"]) | Q(screening_result__hash_match__action__in=["block", "hold"])
        | Q(screening_result__input_scan__verdict__in=["block", "review"])
    )
    scans = Generation.objects.filter(scan_result__verdict__in=["block", "review"], render_finished_at__gte=since, render_finished_at__lt=until)
    upstream = Generation.objects.filter(status="blocked", stage="upstream", error_code="upstream_content_policy",
                                         finished_at__gte=since, finished_at__lt=until)
    decided = ReviewItem.objects.filter(decided_at__gte=since, decided_at__lt=until, decision__in=["approved", "rejected", "expired"])
    copies = AuditEvent.objects.filter(event_type=AuditEventType.COPY_TAKEN_DOWN, created_at__gte=since, created_at__lt=until)
    standing = [event for event in AuditEvent.objects.filter(event_type=AuditEventType.STANDING_CHANGED, created_at__gte=since,
                                                              created_at__lt=until)
                if event.extra["new"] in ("restricted", "suspended") and event.extra["reason"] != "suspension lifted"]
    stages = Counter()
    for generation in screening:
        record = generation.screening_result
        stages["input" if record.get("hash_match") or (record.get("input_scan") or {}).get("verdict") else "prompt"] += 1
    stages["output"] += scans.count()
    stages["upstream"] += upstream.count()
    for stage in decided.values_list("stage", flat=True):
        stages[stage] += 1
    stages["takedown"] += copies.count()
    stages["account"] += len(standing)

    def top(categories):
        scored = {name: score for name, score in (categories or {}).items() if score > 0}
        return max(scored, key=scored.get) if scored else "uncategorised"

    categories = Counter()
    for generation in screening:
        record = generation.screening_result
        categories[top(record["categories"]) if top(record["categories"]) != "uncategorised"
                   else (record.get("hash_match") or {}).get("category", "uncategorised")] += 1
    categories.update(top(g.scan_result["categories"]) for g in scans)
    categories["uncategorised"] += upstream.count() + copies.count() + len(standing)
    categories.update(top(item.categories) for item in decided)
    human = decided.exclude(decision="expired")
    automated = screening.count() + scans.count() + upstream.count() + decided.filter(decision="expired").count() + len(standing)
    appeals = decided.filter(kind="appeal")
    waits = [(item.decided_at - item.created_at).total_seconds() for item in human]
    return {
        "total": screening.count() + scans.count() + upstream.count() + decided.count() + copies.count() + len(standing),
        "by_stage": dict(stages), "by_category": dict(categories),
        "automated": automated, "human": human.count() + copies.filter(actor_kind="user").count(),
        "appeals": ReviewItem.objects.filter(kind="appeal", created_at__gte=since, created_at__lt=until).count(),
        "appeals_decided": appeals.count(), "overturned": appeals.filter(decision="approved").count(),
        "median_review_hours": statistics.median(waits) / 3600,
    }


def test_every_figure_equals_a_query_over_the_database(team, other_team, alice):
    label, since, until = _period_now()
    make_world(team, other_team, alice)
    report = reports.transparency_report(label)
    expected = _expected(since, until)
    assert report.total == expected["total"] == 16
    assert report.by_stage == expected["by_stage"]
    assert report.by_category == expected["by_category"]
    assert report.automated == expected["automated"] and report.human == expected["human"]
    assert report.automated + report.human == report.total
    assert (report.appeals, report.appeals_decided, report.overturned) == (expected["appeals"], expected["appeals_decided"],
                                                                           expected["overturned"]) == (2, 2, 1)
    assert report.median_review_hours == pytest.approx(expected["median_review_hours"])
    # The decision made 400 days ago is in no recent period.
    assert reports.transparency_report(f"{since - dt.timedelta(days=400):%Y-%m}").total == 1


def test_the_page_and_its_csv_show_the_same_table(client, team, other_team, alice):
    label, _since, _until = _period_now()
    make_world(team, other_team, alice)
    page = client.get(f"/transparency/?period={label}")
    assert page.status_code == 200
    report = reports.transparency_report(label)
    html = page.content.decode()
    for section, key, value in report.table():
        assert f"<tr><td>{section}</td><td>{key}</td><td>{'—' if value == '' else value}</td></tr>" in html
    download = client.get(f"/transparency/?period={label}&format=csv")
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["period", "section", "key", "value"]
    assert rows[1:] == [[label, section, key, str(value)] for section, key, value in report.table()]
    assert ["total", "decisions", "16"] == rows[1][1:]


def test_periods_default_to_the_last_full_month_and_take_quarters():
    assert reports.period_bounds("", today=dt.date(2026, 12, 2))[0] == "2026-11"
    assert reports.period_bounds("", today=dt.date(2026, 1, 15))[0] == "2025-12"
    label, since, until = reports.period_bounds("2026-q4")
    assert (label, since.date(), until.date()) == ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    for bad in ("2026-13", "2026-Q5", "soon"):
        with pytest.raises(ValueError):
            reports.period_bounds(bad)


def test_a_bad_period_is_a_clear_400_and_the_default_page_renders(client, db):
    assert client.get("/transparency/?period=2026-Q9").status_code == 400
    page = client.get("/transparency/")
    assert page.status_code == 200 and "Transparency report" in page.content.decode()
