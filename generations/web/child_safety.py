"""Child-safety staff pages: CyberTipline report drafts (view, download as JSON, mark filed with the external
report number, withdraw) and the explicit "confirm CSAM" action on a review item. Nothing here sends a report
anywhere; a person files it through the provider's own account. Everyone else gets 404."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from generations.actions import child_safety
from generations.actions.child_safety import ChildSafetyError
from generations.models import ChildSafetyReport, ReviewItem
from generations.selectors import as_uuid


def _staff_or_404(request):
    if not child_safety.can_handle_child_safety(request.user):
        raise Http404("No such page.")


def _report_or_404(report_id):
    report = (
        ChildSafetyReport.objects.select_related("generation", "reported_user", "team", "created_by", "filed_by")
        .filter(public_id=as_uuid(report_id)).first()
    )
    if report is None:
        raise Http404("No such report.")
    return report


@login_required
def reports(request):
    _staff_or_404(request)
    return render(request, "moderation/child_safety_list.html", {"reports": list(ChildSafetyReport.objects.select_related(
        "reported_user", "team", "created_by")[:200])})


@login_required
def report(request, report_id):
    """The draft (GET); POST marks it filed (`report_number`) or withdraws it (`withdraw_reason`)."""
    _staff_or_404(request)
    found = _report_or_404(report_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                child_safety.do_withdraw(found, request.user, reason=request.POST.get("withdraw_reason", ""), request=request)
                messages.success(request, "Draft withdrawn; its evidence stays preserved until the hold ends.")
            else:
                child_safety.do_mark_filed(found, request.user, report_number=request.POST.get("report_number", ""),
                                           request=request)
                messages.success(request, "Marked filed.")
        except ChildSafetyError as error:
            messages.error(request, f"{error.message} ({error.code})")
        return redirect("moderation:child-safety-report", found.public_id)
    return render(request, "moderation/child_safety_report.html", {
        "report": found, "draft_json": json.dumps(found.draft, indent=2, sort_keys=True),
    })


@login_required
def download(request, report_id):
    _staff_or_404(request)
    found = _report_or_404(report_id)
    child_safety.record_download(found, request.user, request=request)
    response = HttpResponse(json.dumps(found.draft, indent=2, sort_keys=True), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="cybertipline-draft-{found.public_id}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def confirm(request, item_id):
    _staff_or_404(request)
    item = ReviewItem.objects.select_related("generation", "generation__created_by", "generation__team").filter(
        public_id=as_uuid(item_id)).first()
    if item is None:
        raise Http404("No such review item.")
    try:
        found = child_safety.do_confirm_csam(item, request.user, reason=request.POST.get("csam_reason", ""), request=request)
    except ChildSafetyError as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect("moderation:item", item.public_id)
    messages.success(request, "CSAM confirmed: a report draft was written and its evidence is preserved. Nothing was sent.")
    return redirect("moderation:child-safety-report", found.public_id)
