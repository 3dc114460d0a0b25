"""Public pages on how the studio moderates (the policy changelog, the transparency report) and the
moderators' decision log download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.audit import Actor
from generations.actions import reports
from generations.models import PolicyVersion, current_policy_version


@require_GET
def policy_page(request):
    """Every published version of the content policy, newest first, with what changed."""
    versions = list(PolicyVersion.objects.order_by("-effective_from", "-id"))
    return render(request, "reports/policy.html", {"versions": versions, "current": current_policy_version()})


@require_GET
def transparency_page(request):
    """Decisions by category, stage and method, appeals and overturns, median time to a human decision, for
    one month (`?period=2026-11`) or quarter (`?period=2026-Q4`); default the last full month."""
    period = request.GET.get("period", "").strip()
    try:
        report = reports.transparency_report(period)
    except ValueError:
        return HttpResponseBadRequest("period must look like 2026-11 (a month) or 2026-Q4 (a quarter).")
    if request.GET.get("format") == "csv":
        response = HttpResponse(reports.report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="transparency-{report.period}.csv"'
        return response
    return render(request, "reports/transparency.html", {"report": report, "table": report.table()})


@login_required
@require_GET
def decision_log(request, fmt):
    """The decision log for a date range (`since`, `until`: YYYY-MM-DD, both included), audited."""
    if not reports.can_export(request.user):
        raise PermissionDenied("The decision log is for staff moderators.")
    try:
        since, until = reports.day_range(request.GET.get("since", ""), request.GET.get("until", ""))
    except ValueError:
        return HttpResponseBadRequest("since and until must be dates (YYYY-MM-DD), since not after until.")
    rows = reports.decisions(since, until)
    reports.do_record_export("decisions", since=since, until=until, rows=len(rows), actor=Actor(user=request.user),
                             via=f"portal {fmt}", request=request)
    if fmt == "csv":
        response = HttpResponse(reports.decision_log_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(reports.decision_log_jsonl(rows), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="decisions-{since:%Y%m%d}-{until:%Y%m%d}.{fmt}"'
    return response
