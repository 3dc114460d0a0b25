"""Provenance pages anyone may open: "Check a video" (upload a file or give a link, read what it says about
where it came from), the page for third parties on how to verify a clip themselves, and this install's CA
certificate (the trust anchor for its content credentials).

The check itself is `generations.actions.provenance.check_media`, the same the API's
`POST /api/v1/provenance/verify` calls. A file is read into a temporary file that is deleted when the check
ends, whatever the outcome: nothing sent here is kept.
"""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import client_ip
from accounts.ratelimit import RateLimited, check_media_check_rate
from generations.actions.provenance import CheckRefused, check_upload, check_url, limit_text, trust_anchor_pem

ACCEPT = "video/mp4,video/quicktime,image/jpeg,image/png,image/webp,.mp4,.mov,.m4v,.jpg,.jpeg,.png,.webp"

# The verdict as a heading, in plain words.
VERDICT_HEADINGS = {
    "ours": "Made by this studio",
    "ours_altered": "Made by this studio, and changed since",
    "ai_generated_elsewhere": "AI-generated, elsewhere",
    "credentials_elsewhere": "Content credentials from someone else",
    "credentials_invalid": "Its content credentials are broken",
    "nothing_found": "Nothing found",
}
CREDENTIAL_STATES = {
    "missing": "None",
    "invalid": "Present, but they fail validation",
    "valid": "Valid, signed by someone else",
    "trusted": "Valid and signed by this studio",
}

class CheckForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="Video or image",
        help_text="MP4 or MOV video, JPEG, PNG or WebP image.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "aria-describedby": "id_file-help"}),
    )
    url = forms.URLField(
        required=False,
        label="Or a link to it",
        help_text="An http or https address of the file itself.",
        assume_scheme="https",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/clip.mp4", "aria-describedby": "id_url-help"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file") and cleaned.get("url"):
            raise forms.ValidationError("Choose a file or give a link, not both.", code="both_given")
        if not cleaned.get("file") and not cleaned.get("url") and not self.errors:
            raise forms.ValidationError("Choose a file to check, or give a link to one.", code="missing_file")
        return cleaned


def check_rate(request):
    """One token of the client's bucket (keyed on its address, trusted proxies considered)."""
    check_media_check_rate(f"ip:{client_ip(request) or 'unknown'}")


def result_view(report: dict) -> dict:
    """What the template shows of a report, worded."""
    claims, mark = report.get("credentials") or {}, report.get("watermark") or {}
    return {
        "verdict": report["verdict"],
        "heading": VERDICT_HEADINGS.get(report["verdict"], report["verdict"].replace("_", " ").capitalize()),
        "summary": report.get("summary") or [],
        "media": report.get("media"),
        "mime_type": report.get("mime_type"),
        "credential_state": CREDENTIAL_STATES.get(claims.get("state"), claims.get("state") or "Unknown"),
        "credentials": claims,
        "watermark": mark,
        "generation": report.get("generation"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def check_page(request):
    """Check a video or image: anyone may, a few times a minute per address; nothing sent is kept."""
    context = {"max_mb": limit_text()}
    if request.method == "GET":
        return render(request, "provenance/check.html", {**context, "form": CheckForm()})
    try:
        check_rate(request)
    except RateLimited as error:
        response = render(
            request, "provenance/check.html",
            {**context, "form": CheckForm(), "error": f"Too many checks from your address; try again in {error.retry_after_s} s.",
             "error_code": "rate_limited"},
            status=429,
        )
        response["Retry-After"] = str(error.retry_after_s)
        return response
    form = CheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "provenance/check.html", {**context, "form": form}, status=400)
    try:
        if form.cleaned_data.get("file"):
            report = check_upload(form.cleaned_data["file"])
        else:
            report = check_url(form.cleaned_data["url"])
    except CheckRefused as error:
        # A fresh form: the file is not kept and the page does not echo it back.
        return render(
            request, "provenance/check.html",
            {**context, "form": CheckForm(initial={"url": form.cleaned_data.get("url") or ""}),
             "error": error.message, "error_code": error.code},
            status=error.status,
        )
    return render(request, "provenance/check.html", {**context, "form": CheckForm(), "result": result_view(report)})


@require_GET
def about_page(request):
    return render(request, "provenance/about.html")


@require_GET
@cache_control(public=True, max_age=3600)
def ca_certificate(request):
    """This install's CA certificate (PEM), the trust anchor for its content credentials."""
    pem = trust_anchor_pem()
    if not pem:
        raise Http404("This studio has no provenance certificate.")
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="studio-provenance-ca.pem"'
    return response
