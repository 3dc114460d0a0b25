"""Takedown requests: the public intake form (no sign-in; US TAKE IT DOWN Act requests for non-consensual
intimate imagery, AI fakes included) and the moderators' verification queue with its 48-hour clock.

The decisions are `generations.actions.takedown`'s; an uploaded copy is read through a temporary file that is
gone when the request is filed: only its hashes are kept.
"""

import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import client_ip
from accounts.errors import ModeratorsOnly
from accounts.ratelimit import RateLimited, check_takedown_rate
from generations.actions import roles, takedown
from generations.models import TakedownRelationship, TakedownRequest, TakedownStatus
from generations.selectors import as_uuid

ACCEPT = "video/mp4,video/quicktime,image/jpeg,image/png,image/webp,.mp4,.mov,.m4v,.jpg,.jpeg,.png,.webp"


class TakedownForm(forms.Form):
    name = forms.CharField(label="Your full name", max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Your e-mail address", help_text="We write to you here when we receive the request "
                             "and when we decide it.", widget=forms.EmailInput(attrs={"autocomplete": "email",
                                                                                       "aria-describedby": "id_email-help"}))
    relationship = forms.ChoiceField(label="Who you are", choices=TakedownRelationship.choices, widget=forms.RadioSelect)
    reference = forms.CharField(
        label="Where it is", required=False, max_length=500,
        help_text="The link of the gallery item or generation on this studio, or its id.",
        widget=forms.TextInput(attrs={"aria-describedby": "id_reference-help", "inputmode": "url"}),
    )
    upload = forms.FileField(
        label="Or upload a copy", required=False,
        help_text="An image or a video of it. We keep only a fingerprint (perceptual hash), never the file.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "aria-describedby": "id_upload-help"}),
    )
    description = forms.CharField(label="Anything that helps us find it (optional)", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    good_faith = forms.BooleanField(
        label="I state in good faith that this content is intimate imagery of the person depicted, published without "
              "their consent, and that I am that person or authorised to act for them.",
    )
    signature = forms.CharField(label="Electronic signature: type your full name", max_length=200,
                                help_text="Typing your name here signs this request.",
                                widget=forms.TextInput(attrs={"aria-describedby": "id_signature-help"}))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("reference") and not cleaned.get("upload"):
            raise forms.ValidationError("Give a link or id of the content, or upload a copy of it.", code="content_required")
        upload = cleaned.get("upload")
        if upload is not None and upload.size is not None and upload.size > settings.TAKEDOWN_MAX_UPLOAD_BYTES:
            limit = f"{settings.TAKEDOWN_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
            self.add_error("upload", forms.ValidationError(f"The file is larger than {limit}; give a link or an id instead.",
                                                           code="file_too_large"))
        return cleaned


def _rate(request):
    check_takedown_rate(client_ip(request) or "unknown")


def _file(form, request):
    data = form.cleaned_data
    fields = dict(name=data["name"], email=data["email"], relationship=data["relationship"], reference=data["reference"],
                  description=data["description"], good_faith=data["good_faith"], signature=data["signature"],
                  request=request)
    upload = data.get("upload")
    if upload is None:
        return takedown.do_file_takedown(**fields)
    with tempfile.NamedTemporaryFile(prefix="takedown-") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return takedown.do_file_takedown(**fields, upload_path=handle.name)


@never_cache
@require_http_methods(["GET", "POST"])
def request_page(request):
    """Anyone may ask for intimate imagery of them to be taken down; a few requests a minute per address."""
    if request.method == "GET":
        return render(request, "takedown/request.html", {"form": TakedownForm()})
    try:
        _rate(request)
    except RateLimited as error:
        response = render(request, "takedown/request.html", {
            "form": TakedownForm(request.POST), "error_code": "rate_limited",
            "error": f"Too many requests from your address; try again in {error.retry_after_s} s."}, status=429)
        response["Retry-After"] = str(error.retry_after_s)
        return response
    form = TakedownForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "takedown/request.html", {"form": form}, status=400)
    try:
        filed = _file(form, request)
    except takedown.TakedownError as error:
        if error.field and error.field in form.fields:
            form.add_error(error.field, forms.ValidationError(error.message, code=error.code))
            return render(request, "takedown/request.html", {"form": form}, status=422)
        return render(request, "takedown/request.html", {"form": form, "error": error.message, "error_code": error.code},
                      status=422)
    return render(request, "takedown/received.html", {"takedown": filed})


# --- the moderators' side ---------------------------------------------------------------------------------


def _moderator_or_404(request):
    if not roles.can_handle_takedowns(request.user):
        raise ModeratorsOnly()


def _takedown_or_404(takedown_id):
    found = TakedownRequest.objects.select_related("generation", "generation__team", "generation__created_by",
                                                   "decided_by").filter(public_id=as_uuid(takedown_id)).first()
    if found is None:
        raise Http404("No such takedown request.")
    return found


def _with_clock(found, now):
    found.left = found.sla_due_at - now
    found.overdue = found.status == TakedownStatus.PENDING and found.left.total_seconds() < 0
    return found


@login_required
def queue(request):
    _moderator_or_404(request)
    now = timezone.now()
    pending = [_with_clock(found, now) for found in
               TakedownRequest.objects.filter(status=TakedownStatus.PENDING).select_related("generation__team")
               .order_by("sla_due_at")[:200]]
    decided = list(TakedownRequest.objects.exclude(status=TakedownStatus.PENDING).select_related("decided_by")
                   .order_by("-decided_at")[:20])
    return render(request, "moderation/takedowns.html", {"pending": pending, "decided": decided,
                                                         "stats": takedown.takedown_sla_stats(now=now)})


@login_required
def detail(request, takedown_id):
    _moderator_or_404(request)
    found = _with_clock(_takedown_or_404(takedown_id), timezone.now())
    return render(request, "moderation/takedown.html", {"takedown": found})


@login_required
@require_POST
def decide(request, takedown_id):
    _moderator_or_404(request)
    found = _takedown_or_404(takedown_id)
    action = request.POST.get("action", "")
    try:
        if action == "verify":
            takedown.do_verify_takedown(found, request.user, reason=request.POST.get("reason", ""), request=request)
            found.refresh_from_db()
            copies = len(found.outcome.get("copies", []))
            messages.success(request, f"Verified: the content and {copies} cop{'y' if copies == 1 else 'ies'} (the "
                                      "original included) were removed and banned in ncii; the requester was told.")
        elif action == "reject":
            takedown.do_reject_takedown(found, request.user, reason=request.POST.get("reason", ""), request=request)
            messages.success(request, "Rejected; the requester was told why.")
        else:
            messages.error(request, "Choose verify or reject (invalid_action)")
    except takedown.TakedownError as error:
        messages.error(request, f"{error.message} ({error.code})")
    return redirect("moderation-takedown", found.public_id)
