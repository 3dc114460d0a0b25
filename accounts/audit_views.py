"""The audit viewer: superusers and moderators browse, verify and export the ledger.

Everyone else gets 404, team owners included: the ledger spans every team. Exports are acts, recorded in
the ledger they export (with their filters and row count), so they are POSTs.
"""

import csv
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.audit import (
    ROW_FIELDS,
    Actor,
    canonical_json,
    events_matching,
    record_audit_event,
    verify_chain,
)
from accounts.errors import ModeratorsOnly
from accounts.models import AuditChainHead, AuditEvent, AuditEventType

PAGE_SIZE = 50
VERIFY_RESULT_SESSION_KEY = "accounts_audit_verify_result"
EXPORT_CHUNK = 2000
# The ledger's own columns (what verify_chain reads), with the event type's name beside its code.
EXPORT_COLUMNS = ROW_FIELDS[:3] + ("event_type_name",) + ROW_FIELDS[3:]
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def can_view_audit(user) -> bool:
    """Superusers and moderators; not external moderators (the ledger spans every team; see `accounts.roles`)."""
    return roles.can_view_audit(user)


def _auditor_or_404(request):
    if not can_view_audit(request.user):
        raise ModeratorsOnly()


class AuditFilterForm(forms.Form):
    event_type = forms.TypedChoiceField(
        label="Type", required=False, coerce=int, empty_value=None, choices=[("", "Any type"), *sorted(AuditEventType.choices)]
    )
    actor = forms.CharField(label="Actor", required=False, max_length=254, help_text="Email, API key prefix or “system”")
    team = forms.SlugField(label="Team", required=False, help_text="Team slug")
    target = forms.CharField(label="Target id", required=False, max_length=64)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Keyset cursors: show the page of events just older than `before`, or just newer than `after`.
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    FILTERS = ("event_type", "actor", "team", "target", "since", "until")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The “From” date is after the “To” date.")
        return cleaned

    def filters(self):
        return {name: self.cleaned_data[name] for name in self.FILTERS}

    def described_filters(self):
        """The filters in use, as text, for the audit record of an export."""
        return {name: str(value) for name, value in self.filters().items() if value not in (None, "")}


def keyset_page(events, *, size, before=None, after=None):
    """One page of `events`, newest first, positioned by id; returns (rows, has_newer, has_older)."""
    if after is not None:
        rows = list(events.filter(id__gt=after).order_by("id")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = bool(rows) and events.filter(id__lt=rows[-1].pk).exists()
        return rows, has_newer, has_older
    if before is not None:
        events_before = events.filter(id__lt=before)
    else:
        events_before = events
    rows = list(events_before.order_by("-id")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    has_newer = bool(rows) and before is not None and events.filter(id__gt=rows[0].pk).exists()
    return rows, has_newer, has_older


def _page_url(request, **cursor):
    query = request.GET.copy()
    for name in ("before", "after", "page"):
        query.pop(name, None)
    query.update(cursor)
    return f"{reverse('audit_events')}?{query.urlencode()}"


def _row(event):
    return {
        "event": event,
        "type_name": AuditEventType(event.event_type).label if event.event_type in AuditEventType.values else str(event.event_type),
        "extra_pretty": json.dumps(event.extra, indent=2, sort_keys=True, ensure_ascii=False) if event.extra else "",
    }


@never_cache
@login_required
@require_GET
def audit_events(request):
    _auditor_or_404(request)
    form = AuditFilterForm(request.GET or None)
    rows, has_newer, has_older, status = [], False, False, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        events = events_matching(**form.filters()) if form.is_bound else AuditEvent.objects.all()
        events = roles.audit_events_for(request.user, events)
        page, has_newer, has_older = keyset_page(
            events.select_related("team"), size=PAGE_SIZE, before=data.get("before"), after=data.get("after")
        )
        rows = [_row(event) for event in page]
    head = AuditChainHead.objects.filter(id=1).first()
    context = {
        "form": form,
        "rows": rows,
        "newer_url": _page_url(request, after=rows[0]["event"].pk) if has_newer else "",
        "older_url": _page_url(request, before=rows[-1]["event"].pk) if has_older else "",
        "ledger_count": head.count if head else 0,
        "verify_result": request.session.pop(VERIFY_RESULT_SESSION_KEY, None),
        # The filters in use, carried by the export and verify forms (POSTs) as hidden fields.
        "filter_fields": [(name, request.GET[name]) for name in AuditFilterForm.FILTERS if request.GET.get(name)],
        "query": request.GET.urlencode(),
    }
    return render(request, "accounts/audit_events.html", context, status=status)


@login_required
@require_POST
def audit_verify(request):
    _auditor_or_404(request)
    report = verify_chain()
    request.session[VERIFY_RESULT_SESSION_KEY] = {
        "ok": report.ok,
        "count": report.count,
        "checkpoints": report.checkpoints,
        "broken_event_id": report.broken_event_id,
        "reason": report.reason,
        "code": report.code,
        "checked_at": timezone.now().isoformat(),
    }
    return redirect(_back_to_viewer(request))


def _back_to_viewer(request):
    query = request.POST.get("query", "")
    return f"{reverse('audit_events')}?{query}" if query else reverse("audit_events")


def _export_values(event_ids_upto, filters, user):
    """The rows of an export as dicts, oldest first, read in chunks (only those `user` may read)."""
    events = roles.audit_events_for(user, events_matching(**filters)).filter(id__lte=event_ids_upto).order_by("id")
    fields = [name for name in EXPORT_COLUMNS if name != "event_type_name"]
    for values in events.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK):
        record = dict(zip(fields, values, strict=False))
        record["created_at"] = record["created_at"].isoformat()
        code = record["event_type"]
        record["event_type_name"] = AuditEventType(code).label if code in AuditEventType.values else str(code)
        yield {name: record[name] for name in EXPORT_COLUMNS}


def _jsonl(records):
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return canonical_json(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(records):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for record in records:
        yield writer.writerow([_csv_cell(record[name]) for name in EXPORT_COLUMNS])


EXPORT_FORMATS = {
    "jsonl": ("application/x-ndjson; charset=utf-8", _jsonl),
    "csv": ("text/csv; charset=utf-8", _csv),
}


@never_cache
@login_required
@require_POST
def audit_export(request, fmt):
    _auditor_or_404(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The export was not made: " + " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back_to_viewer(request))
    filters = form.filters()
    # Fix the export's extent now, so the count recorded below is exactly what is streamed, and the record
    # of this export is not part of it.
    upto = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    matching = events_matching(**filters).filter(id__lte=upto)
    count = roles.audit_events_for(request.user, matching).count()
    withheld = matching.count() - count  # events about items this user may not see (see AUDIT_VIEW_FILTERS)
    record_audit_event(
        AuditEventType.AUDIT_EXPORTED,
        actor=Actor(user=request.user),
        extra={"format": fmt, "filters": form.described_filters(), "count": count, "up_to_event_id": upto,
               **({"withheld": withheld} if withheld else {})},
        request=request,
    )
    content_type, render_rows = EXPORT_FORMATS[fmt]
    response = StreamingHttpResponse(render_rows(_export_values(upto, filters, request.user)), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    response["X-Audit-Export-Count"] = str(count)
    return response
