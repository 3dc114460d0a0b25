"""The team's element library in the portal: list (status, and why when held or refused), create from 2–4 images
(a frontal one and 1–3 more), delete; each reference image served to the team unless withheld for review. And the
moderators' page of held elements, approved or refused through do_decide_element. Views stay thin: the actions
screen, store and audit, the presenter names the status as the APIs do."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from PIL import Image

from accounts.audit import Actor
from accounts.errors import AccountError
from accounts.selectors import membership_or_404
from generations.actions import elements as element_actions
from generations.actions.review import is_moderator
from generations.catalog import ELEMENT_DESCRIPTION_MAX, ELEMENT_NAME_MAX, ELEMENT_TAGS, validate_element_request
from generations.errors import GenerationError
from generations.inputs.loading import load_element_inputs
from generations.models import ConsentRecord, Element, ElementStatus
from generations.moderation.visual import blur
from generations.presenters import ELEMENT_STATES

# The form's fields for the request's fields an error can name.
_FORM_FIELDS = {
    "element_name": "name",
    "element_description": "description",
    "element_image_list": "images",
    "frontal_image": "images",
    "consent_id": "consent_id",
    "tag_list": "tag",
}


@login_required
def elements_page(request):
    """The team's elements, newest first, and the form that creates one."""
    membership = membership_or_404(request)
    team = membership.team
    refused = None
    if request.method == "POST":
        pictures = request.FILES.getlist("images")
        data = {
            "element_name": request.POST.get("name", ""),
            "element_description": request.POST.get("description", ""),
            "frontal_image": pictures[0] if pictures else None,
            "refer_images": pictures[1:],
            "tag_list": [request.POST["tag"]] if request.POST.get("tag") else [],
            "consent_id": request.POST.get("consent_id", ""),
        }
        try:
            element = element_actions.do_create_element(
                team=team,
                user=request.user,
                request=validate_element_request(load_element_inputs(data)),
                http_request=request,
            )
        except (GenerationError, AccountError) as error:
            refused = error
        else:
            if element.status == ElementStatus.SUCCEED:
                messages.success(request, f"Element “{element.name}” is ready: pick it on the Omni video page.")
            else:
                messages.info(request, f"Element “{element.name}” waits for a moderator's review.")
            return redirect("generations:elements")
    rows = element_actions.team_elements(team).select_related("created_by").prefetch_related("images")[:200]
    context = {
        "elements": [
            {
                "element": element,
                "state": ELEMENT_STATES.get(element.status, element.status),
                "images": [] if element.images_withheld else list(element.images.all()),
            }
            for element in rows
        ],
        "error": refused,
        "error_field": _FORM_FIELDS.get(getattr(refused, "field", None) or "", "") if refused else "",
        "posted": request.POST if refused else {},
        "tags": ELEMENT_TAGS,
        "name_max": ELEMENT_NAME_MAX,
        "description_max": ELEMENT_DESCRIPTION_MAX,
        "can_manage": membership.can_manage_team,
        "consents": ConsentRecord.objects.filter(team=team, revoked_at=None).order_by("subject_name")[:100],
    }
    return render(request, "generations/elements.html", context, status=400 if refused else 200)


@login_required
@require_POST
def delete_element(request, element_id):
    membership = membership_or_404(request)
    element = element_actions.element_for_team(membership.team, element_id)
    if element is None or str(element.element_id) != element_id:
        raise Http404("No such element.")
    if element.created_by_id != request.user.pk and not membership.can_manage_team:
        messages.error(request, "Only the member who made it, or a team admin, can delete it. (not_allowed)")
        return redirect("generations:elements")
    element_actions.do_delete_element(element, actor=Actor(user=request.user), http_request=request)
    messages.success(request, f"Element “{element.name}” deleted. Generations that used it keep what they made.")
    return redirect("generations:elements")


@login_required
def element_image(request, element_id, position):
    """One reference image of an element of the member's team (404 for another team's, or while it is withheld)."""
    membership = membership_or_404(request)
    element = element_actions.element_for_team(membership.team, element_id)
    image = next((image for image in element.images.all() if image.position == position), None) if element else None
    if image is None or element.images_withheld:
        raise Http404("No such image.")
    return FileResponse(image.file.open("rb"), content_type=image.content_type)


def _moderator_or_404(request):
    if not is_moderator(request.user):
        raise Http404()


@login_required
def held_elements(request):
    """Moderators: elements waiting for a decision, oldest first, with what screening found."""
    _moderator_or_404(request)
    rows = (
        Element.objects.filter(status=ElementStatus.PROCESSING, deleted_at=None)
        .select_related("team", "created_by")
        .prefetch_related("images")
        .order_by("created_at")[:100]
    )
    return render(request, "moderation/elements.html", {"elements": rows})


@login_required
@require_POST
def decide_element(request, element_id):
    _moderator_or_404(request)
    element = Element.objects.filter(element_id=element_id).first() if element_id.isdigit() else None
    if element is None:
        raise Http404("No such element.")
    approve = request.POST.get("decision") == "approve"
    try:
        element_actions.do_decide_element(
            element, moderator=request.user, approve=approve, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"Element {element.element_id} {'approved' if approve else 'refused'}.")
    except GenerationError as error:
        messages.error(request, f"{error.message} ({error.code})")
    return redirect("moderation-elements")


@login_required
def held_element_image(request, element_id, position):
    """A held element's image for moderators, blurred (the queue's default for media waiting for a decision)."""
    _moderator_or_404(request)
    element = Element.objects.filter(element_id=int(element_id)).first() if element_id.isdigit() else None
    image = element.images.filter(position=position).first() if element is not None else None
    if image is None:
        raise Http404()
    with image.file.open("rb") as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
    return HttpResponse(blur.jpeg_bytes(blur.blur_image(picture)), content_type="image/jpeg")
