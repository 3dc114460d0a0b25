"""Moderator wellness pages: a moderator's viewing preferences (and, for a lead, the organisation's defaults),
the item page's exposure heartbeat, and the lead's view of every moderator's exposure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from generations.actions import wellness
from generations.actions.review import ReviewError
from generations.moderation import wellness as rules
from generations.web.moderation import _item_or_404, _moderator_or_404

TRI_STATE = (("", "No preference"), ("yes", "Yes"), ("no", "No"))
BOOL_FIELDS = (("grayscale", "Grayscale"), ("sketch", "Sketch (reduced detail)"), ("warning", "Warning screen first"),
               ("mute", "Sound off"))
_HEARTBEAT_SESSION_KEY = "wellness_last_heartbeat"


def _parse(post, prefix) -> dict:
    """The partial settings one fieldset of the form chose ("" = no preference)."""
    values = {}
    blur = post.get(f"{prefix}-blur", "")
    if blur.isdigit():
        values["blur"] = int(blur)
    for name, _label in BOOL_FIELDS:
        choice = post.get(f"{prefix}-{name}", "")
        if choice in ("yes", "no"):
            values[name] = choice == "yes"
    try:
        speed = float(post.get(f"{prefix}-speed", "") or "nan")
    except ValueError:
        speed = float("nan")
    if speed in rules.SPEEDS:
        values["speed"] = speed
    return rules.clean(values)


def _fieldset(prefix, legend, values, inherited):
    """What the template draws for one block of settings: current choices and what applies without one."""
    return {
        "prefix": prefix, "legend": legend, "blur": values.get("blur"), "speed": values.get("speed"),
        "bools": [(name, label, {True: "yes", False: "no"}.get(values.get(name), "")) for name, label in BOOL_FIELDS],
        "inherited": inherited,
    }


def _preferences_page(request, *, org):
    _moderator_or_404(request)
    if org and not wellness._is_lead(request.user):
        raise Http404("This page is for moderation leads.")
    row = wellness.org_preferences() if org else wellness.preferences_of(request.user)
    if request.method == "POST":
        defaults = _parse(request.POST, "default")
        overrides = {harm: _parse(request.POST, harm) for harm in rules.HARMS}
        try:
            _row, changed = wellness.do_save_preferences(request.user, defaults, overrides, org=org, request=request)
        except ReviewError as error:
            messages.error(request, f"{error.message} ({error.code})")
        else:
            messages.success(request, "Saved (logged)." if changed else "Nothing changed.")
        return redirect("moderation:wellness-org" if org else "moderation:wellness")
    base = rules.BASE if org else rules.effective(None, org=wellness.org_preferences().defaults)
    blocks = [_fieldset("default", "Everything I review" if not org else "Every moderator, by default", row.defaults, base)]
    blocks += [_fieldset(harm, rules.HARM_LABELS[harm], row.overrides.get(harm, {}), None) for harm in rules.HARMS]
    return render(request, "moderation/wellness.html", {
        "org": org, "blocks": blocks, "blur_levels": range(7), "speeds": rules.SPEEDS, "tri_state": TRI_STATE,
        "is_lead": wellness._is_lead(request.user), "minutes_today": wellness.minutes_today(request.user),
        "soft_limit": wellness.soft_limit_minutes(),
    })


@login_required
def preferences(request):
    return _preferences_page(request, org=False)


@login_required
def organisation_defaults(request):
    return _preferences_page(request, org=True)


@login_required
def exposure(request):
    """The lead's view: every moderator's minutes on graphic items today and this week."""
    _moderator_or_404(request)
    if not wellness._is_lead(request.user):
        raise Http404("This page is for moderation leads.")
    return render(request, "moderation/exposure.html", {
        "rows": wellness.exposure_report(), "soft_limit": wellness.soft_limit_minutes(),
    })


@login_required
@require_POST
def heartbeat(request, item_id):
    """The item page, while visible, reports the seconds since its last report (and once more on leaving, so
    the time up to a decision counts). Only graphic items count; one report credits at most 30 s, and never
    more than the time since this session's previous report."""
    _moderator_or_404(request)
    item = _item_or_404(item_id)
    try:
        seconds = float(request.POST.get("seconds", "0"))
    except ValueError:
        seconds = 0.0
    now = timezone.now()
    last = request.session.get(_HEARTBEAT_SESSION_KEY)
    if isinstance(last, (int, float)) and 0 <= now.timestamp() - last < wellness.HEARTBEAT_MAX_S:
        seconds = min(seconds, now.timestamp() - last)
    recorded = 0
    if rules.is_graphic(item.categories) and seconds >= 1:
        recorded = wellness.do_record_exposure(request.user, seconds, now=now)
        request.session[_HEARTBEAT_SESSION_KEY] = now.timestamp()
    return JsonResponse({"recorded": recorded, "minutes_today": wellness.minutes_today(request.user, now=now),
                         "over_limit": wellness.over_soft_limit(request.user, now=now)})
