"""Portal pages for the team gallery (share, browse, like, remix, report) and likeness consent records."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.selectors import membership_or_404
from generations.actions import consent as consent_actions
from generations.actions import gallery
from generations.errors import GenerationError
from generations.models import ConsentRecord, GalleryItem, GalleryLike, GalleryStatus
from generations.selectors import generation_for_team, team_object
from generations.web.generations import remix_url

GALLERY_PAGE_SIZE = 24



def _item_or_404(membership, item_id):
    item = team_object(GalleryItem.objects.select_related("generation", "team"), membership.team, item_id)
    if item is None:
        raise Http404("No such gallery item.")
    return item


def _report_error(request, error):
    messages.error(request, f"{error.message} ({error.code})")


@login_required
def gallery_page(request):
    """The team's shared clips, stills and sounds, newest first, keyset-paginated."""
    membership = membership_or_404(request)
    queryset = (
        GalleryItem.objects.filter(team=membership.team, status=GalleryStatus.VISIBLE)
        .select_related("generation", "shared_by")
        .prefetch_related("generation__assets")
        .order_by("-id")
    )
    kind = request.GET.get("kind", "")
    if kind:
        queryset = queryset.filter(generation__kind=kind)
    before = request.GET.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset[: GALLERY_PAGE_SIZE + 1])
    page, more = rows[:GALLERY_PAGE_SIZE], len(rows) > GALLERY_PAGE_SIZE
    liked = set(GalleryLike.objects.filter(user=request.user, item__in=page).values_list("item_id", flat=True))
    entries = [{"item": item, "liked": item.pk in liked, "remix_url": remix_url(item.generation),
                "media": gallery.shared_noun(item.generation)} for item in page]
    next_query = urlencode({**({"kind": kind} if kind else {}), "before": page[-1].id}) if more else None
    return render(request, "generations/gallery.html", {"entries": entries, "next_query": next_query, "kind": kind})


@login_required
@require_POST
def share(request, generation_id):
    membership = membership_or_404(request)
    generation = generation_for_team(membership.team, generation_id)
    if generation is None:
        raise Http404("No such generation.")
    try:
        gallery.do_share(generation, user=request.user, caption=request.POST.get("caption", ""), request=request)
        messages.success(request, "Shared with your team: it is in the gallery now.")
    except GenerationError as error:
        _report_error(request, error)
    return redirect("generations:detail", generation.public_id)


@login_required
@require_POST
def unshare(request, item_id):
    membership = membership_or_404(request)
    item = _item_or_404(membership, item_id)
    try:
        gallery.do_unshare(item, user=request.user, is_team_admin=membership.can_manage_team, request=request)
        messages.success(request, "Taken down from the gallery.")
    except GenerationError as error:
        _report_error(request, error)
    return redirect("generations:gallery")


@login_required
@require_POST
def like(request, item_id):
    membership = membership_or_404(request)
    item = _item_or_404(membership, item_id)
    try:
        gallery.do_toggle_like(item, user=request.user)
    except GenerationError as error:
        _report_error(request, error)
    return redirect(f"{reverse('generations:gallery')}#item-{item.public_id}")


@login_required
@require_POST
def report(request, item_id):
    membership = membership_or_404(request)
    item = _item_or_404(membership, item_id)
    try:
        gallery.do_report(item, user=request.user, reason=request.POST.get("reason", ""), request=request)
        messages.success(request, "Thank you: a moderator will look at it.")
    except GenerationError as error:
        _report_error(request, error)
    return redirect("generations:gallery")


@login_required
def consent_page(request):
    """The team's likeness consent records: record a new one, revoke one."""
    membership = membership_or_404(request)
    refused = None
    if request.method == "POST":
        try:
            consent_actions.do_record_consent(
                team=membership.team, user=request.user, subject_name=request.POST.get("subject_name", ""),
                statement=request.POST.get("statement", ""), request=request,
            )
            messages.success(request, "Consent recorded. Pick it when you animate this person's face.")
            return redirect("generations:consent")
        except GenerationError as error:
            refused = error
    records = ConsentRecord.objects.filter(team=membership.team).select_related("created_by", "revoked_by")[:200]
    # A refused form comes back filled in as it was sent, with the reason next to the field it concerns.
    context = {"records": records, "can_manage": membership.can_manage_team, "error": refused,
               "posted": request.POST if refused else {}}
    return render(request, "generations/consent.html", context, status=400 if refused else 200)


@login_required
@require_POST
def revoke_consent(request, record_id):
    membership = membership_or_404(request)
    record = team_object(ConsentRecord, membership.team, record_id)
    if record is None:
        raise Http404("No such consent record.")
    if record.created_by_id != request.user.pk and not membership.can_manage_team:
        messages.error(request, "Only the member who recorded it, or a team admin, can revoke it. (not_allowed)")
        return redirect("generations:consent")
    try:
        consent_actions.do_revoke_consent(record, user=request.user, request=request)
        messages.success(request, f"Consent of {record.subject_name} revoked.")
    except GenerationError as error:
        _report_error(request, error)
    return redirect("generations:consent")
