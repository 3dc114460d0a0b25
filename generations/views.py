"""Portal views: thin. They check access, call actions, and render."""

import datetime
import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import Actor
from accounts.errors import AccountError
from accounts.selectors import current_membership

from .actions import do_cancel_generation, do_submit_generation
from .catalog import (
    ASPECT_RATIOS,
    MAX_PROMPT_CHARS,
    MODELS,
    MODES,
    validate_generation_request,
)
from .errors import GenerationError
from .images import load_image
from .models import AssetRole
from .presenters import generation_summary
from .selectors import deliverable_asset, generation_for_team, team_generations
from .states import Status


class TextToVideoForm(forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "A paper boat drifting down a rain-soaked street at dusk"}),
        max_length=MAX_PROMPT_CHARS,
    )
    negative_prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "blurry, low quality"}),
        help_text="What the model should avoid.",
    )
    model = forms.ChoiceField(choices=[(name, name) for name, spec in MODELS.items() if spec.text2video])
    duration = forms.ChoiceField(choices=[("5", "5 seconds"), ("10", "10 seconds")])
    aspect_ratio = forms.ChoiceField(choices=[(ratio, ratio) for ratio in ASPECT_RATIOS])
    mode = forms.ChoiceField(choices=[(mode, {"std": "Standard", "pro": "Professional"}[mode]) for mode in MODES])


class ImageToVideoForm(forms.Form):
    image = forms.FileField(
        label="Start image",
        help_text="JPEG or PNG, at least 300 px on each side, up to 10 MB. The clip takes its shape.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "data-preview": "image-preview"}),
    )
    image_tail = forms.FileField(
        label="End image (optional)",
        required=False,
        help_text="Where the clip should end. Pro mode only on most models.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "data-preview": "image-tail-preview"}),
    )
    prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "The camera slowly pushes in as leaves drift past"}),
        help_text="Optional: describe the motion.",
    )
    negative_prompt = forms.CharField(required=False, max_length=MAX_PROMPT_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    model = forms.ChoiceField(choices=[(name, name) for name, spec in MODELS.items() if spec.image2video])
    duration = forms.ChoiceField(choices=[("5", "5 seconds"), ("10", "10 seconds")])
    mode = forms.ChoiceField(choices=[(mode, {"std": "Standard", "pro": "Professional"}[mode]) for mode in MODES])


def _membership_or_404(request):
    membership = current_membership(request)
    if membership is None:
        raise Http404("You are not a member of any team.")
    return membership


def _generation_or_404(request, generation_id):
    membership = _membership_or_404(request)
    generation = generation_for_team(membership.team, generation_id)
    if generation is None:
        raise Http404("No such generation.")
    return generation


def _price_table_json():
    import json

    from .pricing import price_table

    return json.dumps(price_table())


@login_required
def dashboard(request):
    membership = current_membership(request)
    recent = team_generations(membership.team, created_by=request.user)[:6] if membership else []
    form = TextToVideoForm(initial={"model": settings.DEFAULT_MODEL})
    return render(request, "generations/dashboard.html", {"form": form, "recent": recent, "prices": _price_table_json()})


def _create_page(request, *, form_class, template, kind, initial=None):
    """Both create pages: show the form; on POST validate, submit, and go to the new generation, or show
    what was refused (with its stable code) on the form."""
    membership = _membership_or_404(request)
    context = {"prices": _price_table_json()}
    if request.method != "POST":
        context["form"] = form_class(initial={"model": settings.DEFAULT_MODEL, **(initial or {})})
        return render(request, template, context)
    form = context["form"] = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = {"kind": kind, **form.cleaned_data}
        try:
            for name in ("image", "image_tail"):
                if data.get(name):
                    data[name] = load_image(data[name], field=name)
            validated = validate_generation_request(data, default_model=settings.DEFAULT_MODEL)
            generation = do_submit_generation(team=membership.team, user=request.user, request=validated, http_request=request)
        except (GenerationError, AccountError) as error:
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, f"{error.message} ({error.code})")
        else:
            return redirect("generations:detail", generation.public_id)
    return render(request, template, context, status=400)


@login_required
def create(request):
    # A "remix" link pre-fills the form from the query string.
    return _create_page(
        request, form_class=TextToVideoForm, template="generations/create.html", kind="text2video", initial=request.GET.dict()
    )


@login_required
def create_from_image(request):
    return _create_page(request, form_class=ImageToVideoForm, template="generations/create_image.html", kind="image2video")


HISTORY_PAGE_SIZE = 24


@login_required
def history(request):
    """The user's (or, for everyone in the team, the team's) generations, newest first, keyset-paginated:
    each page asks for rows with an id below the last one seen, so page 500 costs what page 1 costs."""
    membership = _membership_or_404(request)
    params = request.GET
    scope = params.get("scope") if params.get("scope") in ("mine", "team") else "mine"
    queryset = team_generations(membership.team, created_by=request.user if scope == "mine" else None)
    filters = {name: params.get(name, "").strip() for name in ("status", "kind", "model", "member", "q", "since", "until")}
    if filters["status"] in Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["kind"] in ("text2video", "image2video"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters["model"] in MODELS:
        queryset = queryset.filter(model_name=filters["model"])
    if filters["member"] and scope == "team":
        queryset = queryset.filter(created_by__email__iexact=filters["member"])
    if filters["q"]:
        queryset = queryset.filter(prompt__icontains=filters["q"][:200])
    for name, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        if filters[name]:
            try:
                queryset = queryset.filter(**{lookup: datetime.date.fromisoformat(filters[name])})
            except ValueError:
                filters[name] = ""
    before = params.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset.order_by("-id")[: HISTORY_PAGE_SIZE + 1])
    page, more = rows[:HISTORY_PAGE_SIZE], len(rows) > HISTORY_PAGE_SIZE
    query = {key: value for key, value in filters.items() if value}
    query["scope"] = scope
    return render(
        request,
        "generations/history.html",
        {
            "generations": page,
            "next_query": urlencode({**query, "before": page[-1].id}) if more else None,
            "first_query": urlencode(query) if before else None,
            "scope": scope,
            "filters": filters,
            "statuses": Status.choices,
            "models": [name for name in MODELS],
        },
    )


@login_required
def detail(request, generation_id):
    generation = _generation_or_404(request, generation_id)
    appeal = generation.review_items.filter(kind="appeal").first()
    can_appeal = (
        appeal is None
        and generation.status == Status.BLOCKED
        and generation.stage in ("prompt", "input", "output")
        and generation.created_by_id == request.user.pk
    )
    return render(
        request,
        "generations/detail.html",
        {
            "generation": generation,
            "summary": generation_summary(generation, for_api=False),
            "appeal": appeal,
            "can_appeal": can_appeal,
            "held_item": generation.review_items.filter(kind="held", decision="").first(),
        },
    )


@never_cache
@login_required
@require_GET
def status(request, generation_id):
    generation = _generation_or_404(request, generation_id)
    return JsonResponse(generation_summary(generation, for_api=False))


@login_required
@require_POST
def cancel(request, generation_id):
    generation = _generation_or_404(request, generation_id)
    try:
        do_cancel_generation(generation, actor=Actor(user=request.user))
        messages.success(request, "Generation canceled.")
    except GenerationError as error:
        messages.error(request, error.message)
    return redirect("generations:detail", generation.public_id)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _serve_file(request, asset):
    """Serve an asset with HTTP Range support, so the browser's player can seek."""
    size = asset.size_bytes
    match = _RANGE.match(request.headers.get("Range", ""))
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    start_text, end_text = match.groups()
    if start_text:
        start = int(start_text)
        end = min(int(end_text), size - 1) if end_text else size - 1
    else:
        start = max(0, size - int(end_text))
        end = size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with asset.file.open("rb") as handle:
        handle.seek(start)
        body = handle.read(end - start + 1)
    response = HttpResponse(body, status=206, content_type=asset.content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _media(request, generation_id, role):
    generation = _generation_or_404(request, generation_id)
    if role in (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_TAIL):
        asset = deliverable_asset(generation, role)  # the team's own upload: visible at any status
    else:
        asset = deliverable_asset(generation, role) if generation.status == Status.SUCCEEDED else None
    if asset is None:
        raise Http404("No such file.")
    response = _serve_file(request, asset)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def video(request, generation_id):
    return _media(request, generation_id, AssetRole.VIDEO)


@login_required
@require_GET
def poster(request, generation_id):
    return _media(request, generation_id, AssetRole.POSTER)


@login_required
@require_GET
def input_image(request, generation_id, which):
    role = {"start": AssetRole.INPUT_IMAGE, "end": AssetRole.INPUT_IMAGE_TAIL}.get(which)
    if role is None:
        raise Http404("No such file.")
    return _media(request, generation_id, role)


@login_required
@require_POST
def check_prompt(request):
    """Screening feedback while typing: what would happen to this prompt, in the user's words — never the
    offending words back. Rate-limited; it records nothing and costs nothing."""
    import json

    from accounts.ratelimit import RateLimited, check_prompt_check_rate
    from accounts.standing import current_standing

    from .moderation import screening

    try:
        check_prompt_check_rate(request.user)
    except RateLimited as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=429)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    prompt = str(body.get("prompt", ""))[:2500]
    if not prompt.strip():
        return JsonResponse({"decision": "allow", "message": ""})
    restricted = current_standing(request.user).level == "restricted"
    decision = screening.screen_prompt(prompt, str(body.get("negative_prompt", ""))[:2500], user=request.user, strict=restricted)
    if decision.decision == screening.BLOCK:
        message = f"This will be blocked: {decision.user_message}"
    elif decision.decision == screening.REVIEW or restricted:
        message = "This will be held for a moderator to review before it runs."
    else:
        message = ""
    return JsonResponse({"decision": decision.decision, "message": message, "suggestion": decision.suggestion if message else ""})
