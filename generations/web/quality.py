"""Quality review pages: the blind second reviews a moderator can take, and a lead's list of disagreements.

A second reviewer sees the item as the item page shows it (its text and scores; its media blurred, the originals
after a logged unblur, through the item page's own helpers) but never its first decision, the moderator who took
it or their reason; the lead's page shows both decisions side by side.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from generations.actions import quality, review
from generations.actions.review import ReviewError
from generations.models import QAResolution, QAReview
from generations.selectors import as_uuid
from generations.web.moderation import MEDIA_ROLES, _granted_originals, _moderator_or_404, top_categories


def _qa_or_404(qa_id):
    qa = (
        QAReview.objects.select_related("review_item", "review_item__generation", "review_item__generation__team",
                                        "first_moderator", "second_moderator", "resolved_by")
        .filter(public_id=as_uuid(qa_id))
        .first()
    )
    if qa is None:
        raise Http404("No such quality review.")
    return qa


@login_required
def second_reviews(request):
    _moderator_or_404(request)
    return render(request, "moderation/qa_list.html", {
        "reviews": list(quality.open_second_reviews(request.user)[:100]),
        "is_lead": quality.is_lead(request.user),
        "unresolved": quality.disagreements(user=request.user).count(),
    })


@login_required
def second_review(request, qa_id):
    """The blind page (GET) and the second decision (POST)."""
    _moderator_or_404(request)
    qa = _qa_or_404(qa_id)
    if not quality.may_second_review(qa, request.user):
        raise Http404("No such quality review.")  # the first moderator's own decision: not theirs to see here
    if request.method == "POST":
        try:
            quality.do_second_review(qa, request.user, request.POST.get("action", ""), reason=request.POST.get("reason", ""),
                                     preset=request.POST.get("preset", ""), request=request)
        except ReviewError as error:
            messages.error(request, f"{error.message} ({error.code})")
            return redirect("moderation:qa-review", qa.public_id)
        messages.success(request, "Second review recorded.")
        return redirect("moderation:qa")
    item = qa.review_item
    generation = item.generation
    present = set(generation.assets.filter(role__in=MEDIA_ROLES.values()).values_list("role", flat=True))
    # The unblur form posts to the item page's audited unblur, which comes back through the item page; that
    # sends a second reviewer here while the review is open, so the grants land on this page.
    originals = _granted_originals(request, item)
    return render(request, "moderation/qa_review.html", {
        "qa": qa, "item": item, "generation": generation,
        "top": top_categories(item.categories),
        "media": [(which, originals.get(which)) for which, role in MEDIA_ROLES.items() if role in present],
        "originals": originals,
        "presets": review.preset_reasons(item.categories),
    })


@login_required
def disagreements(request):
    """A lead's list: disagreements to settle (POST settles one), and the recently settled ones."""
    _moderator_or_404(request)
    if not quality.is_lead(request.user):
        raise Http404("Leads only.")
    if request.method == "POST":
        qa = _qa_or_404(request.POST.get("qa", ""))
        try:
            quality.do_resolve_disagreement(qa, request.user, request.POST.get("stands", ""),
                                            note=request.POST.get("note", ""), request=request)
            messages.success(request, qa.resolution_outcome or "Settled.")
        except ReviewError as error:
            messages.error(request, f"{error.message} ({error.code})")
        return redirect("moderation:qa-disagreements")
    return render(request, "moderation/qa_disagreements.html", {
        "open": list(quality.disagreements(user=request.user)[:200]),
        "settled": list(quality.disagreements(resolved=True, user=request.user).order_by("-resolved_at")[:50]),
        "resolutions": QAResolution.choices,
    })
