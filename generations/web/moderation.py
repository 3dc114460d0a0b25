"""The moderation dashboard: the review queue, one item at a time, and the numbers behind the queue.

Only trust-and-safety staff (moderators, superusers) see these pages; everyone else gets 404. Media
starts blurred — the server sends a blurred rendition, never the original behind a CSS filter — and
unblurring is a deliberate, audited act: the unblur POST records one event per asset (moderator, item,
asset) and hands out short-lived grants; only a request carrying such a grant gets the original bytes.
"""

import datetime as dt
from collections import Counter, defaultdict

import av
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.errors import ModeratorsOnly
from accounts.models import AuditEvent, AuditEventType, StandingEvent, StandingLevel
from accounts.selectors import current_membership
from accounts.standing import current_standing
from generations import selectors
from generations.actions import quality, review, roles, takedown, wellness
from generations.actions.review import ReviewError, is_moderator
from generations.models import OUTPUT_IMAGE_ROLES, Asset, AssetRole, Generation, ReviewDecision, ReviewItem, ReviewKind
from generations.moderation.text import policy as text_policy
from generations.moderation.visual import coverage
from generations.presenters import input_origins
from generations.selectors import as_uuid, generation_for_team
from generations.states import Status
from generations.web.files import serve_file


def _moderator_or_404(request):
    if not is_moderator(request.user):
        raise ModeratorsOnly()


def _item_or_404(item_id, *, user=None):
    """The item, or 404 — also for an item `user` may not see (a child-safety item for anyone but a
    child-safety moderator). The media and unblur views are guarded in `generations.web.queues`."""
    found = ReviewItem.objects.select_related(
        "generation", "generation__team", "generation__created_by", "claimed_by", "decided_by", "queue"
    ).filter(public_id=as_uuid(item_id))
    if user is not None:
        found = roles.visible_items(user, found)
    item = found.first()
    if item is None:
        raise Http404("No such review item.")
    return item


QUEUE_PAGE_SIZE = 50
EXCERPT_CHARS = 90


def duration_words(delta: dt.timedelta) -> str:
    """Pure: a span as a moderator reads it at a glance: "15 min", "2 h", "2 h 30 min", "3 days"."""
    minutes = max(0, round(abs(delta.total_seconds()) / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{round(hours / 24)} days"


def sla_words(due, now) -> str:
    """Pure: "due in 2 h" or "overdue by 15 min"."""
    return f"due in {duration_words(due - now)}" if due >= now else f"overdue by {duration_words(now - due)}"


def excerpt(text, limit=EXCERPT_CHARS) -> str:
    """Pure: the start of a prompt on one line, cut at a word near `limit` with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",.;:") + "…"


def top_categories(categories, policy=text_policy.DEFAULT):
    """Pure: [(name, score)] the queue shows: the highest-scoring category, and any other at or above its
    review threshold; never a zero."""
    scored = sorted(((name, float(score)) for name, score in (categories or {}).items() if score and score > 0),
                    key=lambda pair: -pair[1])
    if not scored:
        return []
    return [scored[0]] + [(name, score) for name, score in scored[1:] if score >= policy.threshold(name)[0]]


def _thumbnail_media(items):
    """{generation id: which} — the one piece of media a queue row shows blurred: the clip's poster, else the
    clip, else the input image."""
    roles = defaultdict(set)
    for generation_id, role in Asset.objects.filter(
        generation_id__in={item.generation_id for item in items},
        role__in=(AssetRole.POSTER, AssetRole.VIDEO, AssetRole.INPUT_IMAGE),
    ).values_list("generation_id", "role"):
        roles[generation_id].add(role)
    chosen = {}
    for generation_id, present in roles.items():
        for which, role in (("poster", AssetRole.POSTER), ("video", AssetRole.VIDEO), ("input", AssetRole.INPUT_IMAGE)):
            if role in present:
                chosen[generation_id] = which
                break
    return chosen


def _queue_filters(params):
    return {name: params.get(name, "").strip()[:200] for name in selectors.QUEUE_FILTERS if params.get(name, "").strip()}


@login_required
def queue(request):
    _moderator_or_404(request)
    if request.method == "POST":
        return _bulk_decide(request)
    now = timezone.now()
    filters = _queue_filters(request.GET)
    visible = roles.visible_q(request.user)
    tabs = queue_tabs(request.user)
    chosen = next((tab for tab in tabs if tab["slug"] == request.GET.get("queue")), None)
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.QUEUE_SORTS else selectors.DEFAULT_QUEUE_SORT
    found = selectors.review_queue_items(filters, moderator=request.user, now=now, visible=visible,
                                         queue=chosen["slug"] if chosen else None, sort=sort)
    page = Paginator(found, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    thumbnails = _thumbnail_media(items)
    for item in items:
        item.age = item.waited
        item.overdue_in = item.sla_due_at - now
        item.sla_text = sla_words(item.sla_due_at, now)
        item.leased = item.claimed_by_id is not None and item.lease_expires_at and item.lease_expires_at > now
        item.excerpt = excerpt(item.generation.prompt)
        item.top = top_categories(item.categories)
        item.thumb = thumbnails.get(item.generation_id)
        item.own = review.is_about(item, request.user)
    stats = dashboard_stats(now=now, user=request.user)
    stats["takedowns"] = takedown.takedown_sla_stats(now=now)
    # What the output scan can see (and what it cannot, so those outputs wait for a person).
    scan_coverage = coverage.coverage_report()
    teams, stages = selectors.review_queue_choices(visible=visible)
    return render(request, "moderation/queue.html", {
        "items": items, "page": page, "stats": stats, "coverage": scan_coverage, "filters": filters,
        "tabs": tabs, "queue_tab": chosen, "sort": sort, "sorts": selectors.QUEUE_SORTS, "sort_label": selectors.QUEUE_SORTS[sort],
        "select_all": request.GET.get("select") == "all" and bool(filters.get("author") or filters.get("cluster")),
        "can_use_standing_tools": roles.can_use_standing_tools(request.user),
        "saved_views": request.user.saved_queue_views.all(), "can_bulk": roles.can_bulk(request.user),
        "can_manage_queues": roles.can_manage_queues(request.user), "role": roles.role_of(request.user),
        "filter_choices": {
            "kinds": ReviewKind.choices, "stages": stages, "teams": teams, "categories": text_policy.CATEGORIES,
            "priorities": (3, 2, 1),
        },
        "presets": review.preset_reasons(),
    })


def _bulk_decide(request):
    """Approve or reject the selected items (of one user, or one prompt) with one reason, one by one."""
    versions = {}
    for value in request.POST.getlist("items"):
        public_id, _, version = value.partition(":")
        if as_uuid(public_id) is not None and version.isdigit():
            versions[as_uuid(public_id)] = int(version)
    items = list(
        roles.visible_items(request.user, ReviewItem.objects.select_related(
            "generation", "generation__team", "generation__created_by", "claimed_by", "queue"))
        .filter(public_id__in=versions, decision="")
    )
    back = reverse("moderation:queue") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not roles.can_bulk(request.user):
        messages.error(request, f"External moderators decide one item at a time ({roles.ROLE_NOT_ALLOWED})")
        return redirect(back)
    if not items:
        messages.error(request, "Select at least one open item (no_items)")
        return redirect(back)
    action = request.POST.get("action", "")
    try:
        decided, skipped = review.do_bulk_decide(
            items, request.user, action, reason=request.POST.get("reason", ""), preset=request.POST.get("preset", ""),
            versions={item.pk: versions[item.public_id] for item in items}, request=request,
        )
    except ReviewError as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect(back)
    if decided:
        verb = "Approved" if action == review.APPROVE else "Rejected"
        messages.success(request, f"{verb} {len(decided)} item{'s' if len(decided) != 1 else ''}.")
    for item, why in skipped:
        messages.warning(request, f"Skipped {excerpt(item.generation.prompt, 40) or item.public_id}: {why}.")
    return redirect(back)


CHART_CHAR_PX = 8  # a generous width per character of the chart's 13 px labels
CHART_BAR_MAX = 320


def _bar_chart(pairs, *, bar_height=22):
    """A server-rendered SVG bar chart, wide enough for its longest label and its longest bar with its value:
    {"rows": [(label, value, bar width, y)], "bar_x", "height", "width"}."""
    top = max((value for _, value in pairs), default=0) or 1
    label_width = max((len(str(label)) for label, _ in pairs), default=0) * CHART_CHAR_PX + 12
    value_width = max((len(str(value)) for _, value in pairs), default=1) * CHART_CHAR_PX + 12
    rows = [(label, value, round(value / top * CHART_BAR_MAX), index * (bar_height + 6)) for index, (label, value) in enumerate(pairs)]
    return {
        "rows": [(label, value, bar, y, label_width + bar + 6) for label, value, bar, y in rows],
        "bar_x": label_width,
        "height": max(1, len(pairs)) * (bar_height + 6),
        "width": label_width + CHART_BAR_MAX + 6 + value_width,
    }


def queue_tabs(user):
    """[{"slug", "name", "open", "restricted"}] for every queue `user` may see, with the open items in it they may
    see; first "all" (every queue they may see)."""
    visible = roles.visible_items(user, ReviewItem.objects.filter(decision=""))
    counts = dict(visible.values_list("queue__slug").annotate(count=Count("id")))
    tabs = [{"slug": queue.slug, "name": queue.name, "open": counts.get(queue.slug, 0), "restricted": queue.restricted_to_role}
            for queue in roles.visible_queues(user)]
    return [{"slug": "", "name": "All my queues", "open": sum(counts.values()), "restricted": ""}, *tabs]


def dashboard_stats(*, now=None, days=14, user=None):
    """The queue's figures. With `user`, only over the review items they may see (a child-safety item is not
    counted for anyone but a child-safety moderator)."""
    now = now or timezone.now()
    every_item = ReviewItem.objects.all() if user is None else roles.visible_items(user)
    open_items = every_item.filter(decision="")
    by_priority = Counter(open_items.values_list("priority", flat=True))
    ages = [now - created for created in open_items.values_list("created_at", flat=True)]
    since = now - dt.timedelta(days=days)
    decided = every_item.filter(decided_at__gte=since).exclude(decision__in=("", ReviewDecision.WITHDRAWN))
    per_category = defaultdict(int)
    for categories in decided.values_list("categories", flat=True):
        top = max(categories.items(), key=lambda pair: pair[1])[0] if categories else "uncategorised"
        per_category[top] += 1
    time_to_decision = decided.filter(decided_by__isnull=False).aggregate(avg=Avg(F("decided_at") - F("created_at")))["avg"]
    appeals = every_item.filter(kind=ReviewKind.APPEAL).exclude(decision="")
    overturned = appeals.filter(decision=ReviewDecision.APPROVED).count()
    top_users = (
        Generation.objects.filter(status=Status.BLOCKED, finished_at__gte=since)
        .values("created_by__email")
        .annotate(blocks=Count("id"))
        .order_by("-blocks")[:5]
    )
    return {
        "open": open_items.count(),
        "by_priority": [(f"P{priority}", by_priority.get(priority, 0)) for priority in (3, 2, 1)],
        "oldest": max(ages, default=None),
        "per_category_chart": _bar_chart(sorted(per_category.items(), key=lambda pair: -pair[1])),
        "decided": decided.count(),
        "time_to_decision": time_to_decision,
        "appeals_decided": appeals.count(),
        "overturn_rate": (overturned / appeals.count()) if appeals.count() else None,
        "top_users": list(top_users),
        "days": days,
        "quality": quality.qa_figures(since=since),
    }


@login_required
def item_detail(request, item_id):
    _moderator_or_404(request)
    item = _item_or_404(item_id, user=request.user)
    qa = quality.open_second_reviews(request.user).filter(review_item=item).first()
    if qa is not None:
        return redirect("moderation:qa-review", qa.public_id)  # this page shows the first decision: stay blind
    generation = item.generation
    screening = generation.screening_result or {}
    scan = generation.scan_result or {}
    # The author's other generations, less any behind a review item this moderator may not see; a prompt
    # screening scored as child-safety content is shown only to child-safety moderators.
    recent = list(
        Generation.objects.filter(created_by=generation.created_by)
        .exclude(pk=generation.pk)
        .exclude(review_items__in=ReviewItem.objects.exclude(roles.visible_q(request.user)))
        .order_by("-created_at")
        .values("public_id", "status", "stage", "error_code", "created_at", "prompt", "screening_result")[:10]
    )
    sees_child_safety = roles.can_see_child_safety(request.user)
    for row in recent:
        hidden = not sees_child_safety and roles.is_child_safety_score((row["screening_result"] or {}).get("categories"))
        row["excerpt"] = "(child-safety content: hidden)" if hidden else excerpt(row["prompt"], 70)
        row["status_label"] = Status(row["status"]).label if row["status"] in Status.values else row["status"]
    now = timezone.now()
    author = generation.created_by
    standing = current_standing(author, now=now)
    strikes = StandingEvent.objects.filter(user=author, points__gt=0, reverted_at__isnull=True).count()
    media = _item_assets(item)
    extra_inputs = [
        role.removeprefix("input_image_")
        for role in generation.assets.filter(role__in=EXTRA_INPUT_ROLES.values()).order_by("role").values_list("role", flat=True)
    ]
    originals = _granted_originals(request, item)
    return render(
        request,
        "moderation/item.html",
        {
            "item": item,
            "generation": generation,
            "prompt_parts": highlight_spans(generation.prompt, screening.get("spans") or screening.get("evidence") or []),
            "screening": screening,
            "scan": scan,
            "timeline": timeline_bars(scan.get("timeline") or []),
            "timeline_flat": bool(scan.get("timeline")) and not any(score for _, score, _ in timeline_bars(scan["timeline"])),
            "recent": recent,
            "mine": item.claimed_by_id == request.user.pk and item.lease_expires_at and item.lease_expires_at > now,
            "claimed_by_other": (item.claimed_by_id not in (None, request.user.pk) and item.lease_expires_at
                                 and item.lease_expires_at > now),
            "own": review.is_about(item, request.user),
            "sla_text": sla_words(item.sla_due_at, now),
            "presets": review.preset_reasons(item.categories),
            "held_for_standing": _held_for_standing(item, generation),
            "standing": standing,
            "standing_label": StandingLevel(standing.level).label,
            "strikes": strikes,
            "video_poster": "poster" if "poster" in media else "video",
            "now": now,
            "has_video": generation.assets.filter(role=AssetRole.VIDEO).exists(),
            "has_input": generation.assets.filter(role=AssetRole.INPUT_IMAGE).exists(),
            "extra_inputs": extra_inputs,
            "input_origins": input_origins(generation),
            "has_parent_video": generation.parent is not None and generation.parent.assets.filter(role=AssetRole.VIDEO).exists(),
            "likeness": (generation.screening_result or {}).get("likeness"),
            "originals": originals,
            "wellness": wellness.effective_settings(request.user, item.categories),
            "extra_media": [(which, originals.get(which)) for which in extra_inputs],
            # An image generation's results, blurred on the server like a clip's poster until an audited unblur.
            "stills": [(which, originals.get(which)) for which in STILL_ROLES if which in media],
            "has_audio": "audio" in media,
            "ban_banks": list(takedown.banks_for_banning()),
            "ban_open": not item.decision or item.decision in (ReviewDecision.REJECTED, ReviewDecision.EXPIRED),
            "can_ban": roles.can_ban(request.user),
            "can_unblur": roles.can_unblur(request.user),
            "can_confirm_csam": roles.can_see_child_safety(request.user),
            "can_escalate": roles.can_decide(request.user, review.ESCALATE),
            "can_use_standing_tools": roles.can_use_standing_tools(request.user),
            "author_open_items": roles.visible_items(request.user, ReviewItem.objects.filter(
                generation__created_by=author, decision="")).exclude(pk=item.pk).count(),
            "author_decisions": sorted(Counter(roles.visible_items(request.user, ReviewItem.objects.filter(
                generation__created_by=author)).exclude(decision="").values_list("decision", flat=True)).items()),
        },
    )


def _held_for_standing(item, generation):
    """Whether the item waits only because its author's account is restricted (the submit recorded it)."""
    if item.kind != ReviewKind.HELD:
        return False
    return AuditEvent.objects.filter(
        event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(generation.public_id), extra__held_for_standing=True
    ).exists()


def timeline_bars(timeline, *, width=556):
    """(x, score, t) per scored frame for the SVG timeline; accepts [t, score] pairs or {"t", "score"} dicts."""
    points = []
    for point in timeline:
        t, score = (point.get("t"), point.get("score")) if isinstance(point, dict) else (point[0], point[1])
        if isinstance(t, (int, float)) and isinstance(score, (int, float)):
            points.append((float(t), max(0.0, min(1.0, float(score)))))
    end = max((t for t, _ in points), default=0) or 1
    return [(round(t / end * width), round(score, 3), round(t, 2)) for t, score in points]


def highlight_spans(text, spans):
    """Split text into (piece, matched) parts from [start, end) spans the screening recorded."""
    cleaned = []
    for span in spans:
        if isinstance(span, dict):
            if span.get("view") not in (None, "raw"):
                continue  # offsets into a normalised view do not map onto the text as typed
            start, end = span.get("span") or (span.get("start"), span.get("end"))
        else:
            start, end = (span[0], span[1]) if len(span) >= 2 else (None, None)
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            cleaned.append((start, end))
    parts, position = [], 0
    for start, end in sorted(cleaned):
        if start < position:
            continue
        if start > position:
            parts.append((text[position:start], False))
        parts.append((text[start:end], True))
        position = end
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def _act(request, item_id, action):
    item = _item_or_404(item_id, user=request.user)
    try:
        action(item)
    except ReviewError as error:
        messages.error(request, f"{error.message} ({error.code})")
    return item


@login_required
@require_POST
def claim_item(request, item_id):
    _moderator_or_404(request)
    item = _act(request, item_id, lambda item: review.do_claim(item, request.user))
    return redirect("moderation:item", item.public_id)


@login_required
@require_POST
def decide_item(request, item_id):
    _moderator_or_404(request)
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", "-1"))
    except ValueError:
        version = -1

    def act(item):
        review.do_decide(item, request.user, action, reason=request.POST.get("reason", ""),
                         preset=request.POST.get("preset", ""), expected_version=version, claim=True, request=request)
        messages.success(request, {"approve": "Approved.", "reject": "Rejected.", "escalate": "Escalated."}.get(action, "Done."))

    item = _act(request, item_id, act)
    if not item.decision and action != review.ESCALATE:
        return redirect("moderation:item", item.public_id)
    following = roles.visible_items(request.user, review.open_queue()).exclude(pk=item.pk).first()
    return redirect("moderation:item", following.public_id) if following else redirect("moderation:queue")


@login_required
@require_POST
def ban_item(request, item_id):
    """Remove and ban copies: reject the item (if open), bank its media, take down every copy in every team."""
    _moderator_or_404(request)
    item = _item_or_404(item_id, user=request.user)
    if not roles.can_ban(request.user):
        messages.error(request, f"External moderators cannot remove and ban ({roles.ROLE_NOT_ALLOWED})")
        return redirect("moderation:item", item.public_id)
    bank = takedown.banks_for_banning().filter(pk=request.POST.get("bank") or 0).first() if (
        request.POST.get("bank", "").isdigit()) else None
    try:
        version = int(request.POST.get("version", "-1"))
    except ValueError:
        version = -1
    if bank is None:
        messages.error(request, "Choose a bank to ban into (invalid_bank)")
        return redirect("moderation:item", item.public_id)
    try:
        result = takedown.do_remove_and_ban(item, request.user, bank=bank, reason=request.POST.get("ban_reason", ""),
                                            media=request.POST.get("media", "all"), expected_version=version, request=request)
    except (ReviewError, takedown.TakedownError) as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect("moderation:item", item.public_id)
    others = [record for record in result.copies if record["generation"] != str(item.generation.public_id)]
    teams = sorted({record["team"] for record in others})
    messages.success(
        request,
        f"Removed and banned in {bank.name}: {len(others)} other cop{'y' if len(others) == 1 else 'ies'} taken down"
        + (f" (teams: {', '.join(teams)})" if teams else "") + "; each owner was told.",
    )
    return redirect("moderation:item", item.public_id)


EXTRA_INPUT_ROLES = {"2": AssetRole.INPUT_IMAGE_2, "3": AssetRole.INPUT_IMAGE_3, "4": AssetRole.INPUT_IMAGE_4,
                     "5": AssetRole.INPUT_IMAGE_5, "6": AssetRole.INPUT_IMAGE_6, "7": AssetRole.INPUT_IMAGE_7}
# An image generation's stills, as the item page names them (image_1 …).
STILL_ROLES = {str(role): role for role in OUTPUT_IMAGE_ROLES}
MEDIA_ROLES = {"video": AssetRole.VIDEO, "poster": AssetRole.POSTER, "input": AssetRole.INPUT_IMAGE, **EXTRA_INPUT_ROLES,
               **STILL_ROLES}
# A sound kind's audio: no picture to blur, so a moderator hears it only as the original, after a logged unblur.
MEDIA_ROLES["audio"] = AssetRole.AUDIO
_GRANT_SALT = "moderation-unblur"
_SESSION_KEY = "moderation_unblurred"


def _item_assets(item):
    """{which: asset} for every piece of media the item page shows."""
    assets = {which: item.generation.assets.filter(role=role).first() for which, role in MEDIA_ROLES.items()}
    parent = item.generation.parent
    assets["parent"] = parent.assets.filter(role=AssetRole.VIDEO).first() if parent is not None else None
    return {which: asset for which, asset in assets.items() if asset is not None}


def _grant(user, item, which):
    return signing.TimestampSigner(salt=_GRANT_SALT).sign(f"{user.pk}:{item.public_id}:{which}")


def _grant_is_valid(token, user, item, which):
    try:
        value = signing.TimestampSigner(salt=_GRANT_SALT).unsign(token, max_age=settings.MODERATION_UNBLUR_GRANT_S)
    except signing.BadSignature:  # also expired
        return False
    return value == f"{user.pk}:{item.public_id}:{which}"


def _granted_originals(request, item):
    """{which: URL of the original} for the media this moderator unblurred on this item, while the grants last."""
    grants = request.session.get(_SESSION_KEY, {}).get(str(item.public_id), {})
    return {
        which: f"{reverse('moderation:media', args=[item.public_id, which])}?grant={token}"
        for which, token in grants.items()
        if _grant_is_valid(token, request.user, item, which)
    }


@login_required
@require_POST
def unblur_item(request, item_id):
    """Record the unblur (one audit event per asset: moderator, item, asset) and grant this moderator the
    originals for MODERATION_UNBLUR_GRANT_S. The page's form comes back to the item, which then loads them."""
    _moderator_or_404(request)
    item = _item_or_404(item_id)
    assets = _item_assets(item)
    wanted = request.POST.get("which", "")
    if wanted:
        assets = {which: asset for which, asset in assets.items() if which == wanted}
    if not assets:
        review.do_record_unblur(item, request.user, request=request)  # nothing to show, but the intent is on record
    grants = {}
    for which, asset in assets.items():
        review.do_record_unblur(item, request.user, asset=asset, which=which, request=request)
        grants[which] = _grant(request.user, item, which)
    stored = request.session.get(_SESSION_KEY, {})
    stored[str(item.public_id)] = {**stored.get(str(item.public_id), {}), **grants}
    request.session[_SESSION_KEY] = stored
    if request.POST.get("from_page"):
        return redirect("moderation:item", item.public_id)
    return JsonResponse({"ok": True, "originals": _granted_originals(request, item)})


THUMBNAIL_SIDE = 160


def _rendition(request, item, asset):
    """The reviewer rendition of an asset under this moderator's effective settings for the item: a JPEG
    still (a clip's poster), or with ?as=clip the small silent reviewer clip."""
    if asset.content_type.startswith("audio/"):
        raise Http404("A sound has no reviewer rendition: unblur (logged) to hear it.")
    rendition = wellness.rendition_settings(wellness.effective_settings(request.user, item.categories))
    if request.GET.get("as") == "clip" and asset.content_type.startswith("video/"):
        return HttpResponse(wellness.video_rendition(asset, rendition), content_type="video/mp4")
    side = THUMBNAIL_SIDE if request.GET.get("size") == "thumb" else 640
    return HttpResponse(wellness.still_rendition(asset, rendition, side=side), content_type="image/jpeg")


@login_required
def item_media(request, item_id, which):
    """The item's media for moderators (quarantined outputs included): the reviewer rendition their viewing
    preferences select (blurred, grayscale, sketched; a clip also small and silent), or — with a grant from
    an audited unblur by this moderator — the original."""
    _moderator_or_404(request)
    item = _item_or_404(item_id)
    asset = _item_assets(item).get(which)
    if asset is None:
        raise Http404("No such file.")
    token = request.GET.get("grant", "")
    if token or request.GET.get("as") == "original":
        if not _grant_is_valid(token, request.user, item, which):
            response = JsonResponse(
                {"error": {"code": "unblur_required", "message": "Unblur this item (a logged act) before loading the original.",
                           "request_id": getattr(request, "request_id", "")}},
                status=403,
            )
        else:
            response = serve_file(request, asset, reviewer_grant=True)
    else:
        try:
            response = _rendition(request, item, asset)
        except (OSError, ValueError, IndexError, av.FFmpegError):
            raise Http404("No preview for this file.") from None  # never its bytes instead
    response["Cache-Control"] = "private, no-store"
    return response


# --- the user's side: appeals -----------------------------------------------------------------------


@login_required
@require_POST
def appeal(request, generation_id):
    membership = current_membership(request)
    generation = generation_for_team(membership.team if membership else None, generation_id)
    if generation is None:
        raise Http404("No such generation.")
    try:
        review.do_appeal(generation, request.user, request.POST.get("message", ""), request=request)
        messages.success(request, "Your appeal is with a moderator. You will see the outcome here.")
    except ReviewError as error:
        messages.error(request, f"{error.message} ({error.code})")
    return redirect("generations:detail", generation.public_id)

