"""Quality of human review: blind second reviews of sampled decisions, a lead's word on disagreements, and the
agreement and overturn figures the dashboard shows (see `qa_sampling` for which decisions are sampled).

The second moderator decides the item as it stands, without its first decision, moderator or reason, and is
never the first moderator nor the person the item is about. Where the two disagree, a lead says which decision
stands. When the second one does (the first is overturned), the change is made through the same means a
decision uses where the state machine allows it:

- an approval overturned (it should have been rejected): a finished clip is withheld (its video and poster
  quarantined), taken out of the gallery, and its author gets the strike a rejection brings; a generation still
  running is left alone (nothing is withheld yet) and the outcome says so;
- a rejection overturned (it should have been approved): the strikes it brought are reverted; a reported clip
  goes back into the gallery with its files released; a held generation stays blocked, since `blocked` is final
  in the state machine (its author can submit it again), and the outcome says so.

The outcome, and whether it was applied in full, is stored on the QA review and shown on the lead's page.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType
from accounts.standing import do_record_strike, do_revert_strikes
from generations.actions import roles
from generations.actions.review import (
    APPROVE,
    REJECT,
    ReviewError,
    compose_reason,
    is_about,
    is_moderator,
    preset_label,
)
from generations.actions.withholding import release, withhold
from generations.models import (
    DELIVERED_ROLES,
    GalleryItem,
    GalleryStatus,
    QAResolution,
    QAReview,
    ReviewDecision,
    ReviewKind,
    current_policy_version,
)
from generations.states import TERMINAL, Status

CLIP_ROLES = DELIVERED_ROLES


def _is_lead(user) -> bool:
    """Who may settle disagreements: leads (accounts.roles)."""
    return roles.is_lead(user)


def is_lead(user) -> bool:
    return _is_lead(user)


def may_second_review(qa, user) -> bool:
    """Pure-ish: whether `user` may take this second review: a moderator, not the first one, not its subject."""
    return (is_moderator(user) and qa.first_moderator_id != user.pk and not is_about(qa.review_item, user)
            and roles.can_see_item(user, qa.review_item))


def open_second_reviews(user):
    """Undecided second reviews `user` may take, oldest first."""
    return (
        QAReview.objects.filter(second_decision="", review_item__in=roles.visible_items(user))
        .exclude(first_moderator=user)
        .exclude(review_item__generation__created_by=user)
        .exclude(review_item__reported_by=user)
        .select_related("review_item", "review_item__generation", "review_item__generation__team")
        .order_by("created_at", "id")
    )


def disagreements(*, resolved=False, user=None):
    """Second reviews that disagreed with the first decision: waiting for a lead, or (resolved) settled; with
    `user`, only those about items that user may see."""
    found = QAReview.objects.all() if user is None else QAReview.objects.filter(review_item__in=roles.visible_items(user))
    return (
        found.filter(agreed=False, resolved_at__isnull=not resolved)
        .select_related("review_item", "review_item__generation", "first_moderator", "second_moderator", "resolved_by")
        .order_by("decided_at", "id")
    )


def do_second_review(qa, moderator, action, *, reason="", preset="", request=None):
    """The blind second decision on a sampled item: approve or reject, recorded as agreeing or not."""
    if not is_moderator(moderator):
        raise ReviewError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)
    if action not in (APPROVE, REJECT):
        raise ReviewError("invalid_action", "A second review approves or rejects.")
    if qa.first_moderator_id == moderator.pk:
        raise ReviewError("own_decision", "You took the first decision: another moderator reviews it.", http_status=403)
    if is_about(qa.review_item, moderator):
        raise ReviewError("own_item", "This item is about you: another moderator must review it.", http_status=403)
    if preset and preset_label(preset) is None:
        raise ReviewError("invalid_preset", "Pick one of the listed reasons.", field="preset")
    reason = compose_reason(preset, reason)
    if action == REJECT and not reason:
        raise ReviewError("reason_required", "Say why: a reason is required to reject.", field="reason")
    decision = ReviewDecision.APPROVED if action == APPROVE else ReviewDecision.REJECTED
    agreed = decision == qa.first_decision
    now = timezone.now()
    with transaction.atomic():
        updated = QAReview.objects.filter(pk=qa.pk, second_decision="").update(
            second_moderator=moderator, second_decision=decision, second_reason=reason, agreed=agreed, decided_at=now
        )
        if not updated:
            raise ReviewError("qa_decided", "Another moderator already took this second review.", http_status=409)
        qa.refresh_from_db()
        record_audit_event(
            AuditEventType.QA_DECIDED, actor=Actor(user=moderator), team=qa.review_item.generation.team, target=qa.review_item,
            extra={"qa_review": str(qa.public_id), "decision": decision, "reason": reason, "agreed": agreed,
                   "first_decision": qa.first_decision, "policy_version": qa.policy_version,
                   "current_policy_version": current_policy_version(now)},
            request=request,
        )
    return qa


def do_resolve_disagreement(qa, lead, stands, *, note, request=None):
    """A lead says which decision stands (`QAResolution`), with a note. Overturning the first decision applies
    the second one (see the module's docstring); the outcome is stored and audited."""
    if not _is_lead(lead):
        raise ReviewError("not_a_lead", "Only a lead moderator settles disagreements.", http_status=403)
    if not roles.can_see_item(lead, qa.review_item):
        raise ReviewError("not_found", "No such second review.", http_status=404)  # as for one that does not exist
    if stands not in QAResolution.values:
        raise ReviewError("invalid_resolution", "Say which decision stands.", field="stands")
    note = (note or "").strip()
    if not note:
        raise ReviewError("note_required", "Write a note: why this decision stands.", field="note")
    if is_about(qa.review_item, lead):
        raise ReviewError("own_item", "This item is about you: another lead must settle it.", http_status=403)
    now = timezone.now()
    actor = Actor(user=lead)
    with transaction.atomic():
        updated = QAReview.objects.filter(pk=qa.pk, agreed=False, resolved_at__isnull=True).update(
            resolution=stands, resolved_by=lead, resolution_note=note, resolved_at=now
        )
        if not updated:
            raise ReviewError("qa_not_open", "This disagreement is settled already (or there was none).", http_status=409)
        qa.refresh_from_db()
        applied, outcome = None, "The first decision stands: nothing changed."
        if stands == QAResolution.SECOND_STANDS:
            applied, outcome = _apply_overturn(qa, actor=actor, note=note)
        QAReview.objects.filter(pk=qa.pk).update(resolution_applied=applied, resolution_outcome=outcome[:500])
        qa.refresh_from_db()
        record_audit_event(
            AuditEventType.QA_RESOLVED, actor=actor, team=qa.review_item.generation.team, target=qa.review_item,
            extra={"qa_review": str(qa.public_id), "stands": stands, "note": note, "applied": applied, "outcome": outcome,
                   "first_decision": qa.first_decision, "second_decision": qa.second_decision,
                   "policy_version": qa.policy_version},
            request=request,
        )
    return qa


def _apply_overturn(qa, *, actor, note):
    """Make the second decision the item's outcome as far as the state machine allows: (applied, outcome)."""
    item = qa.review_item
    generation = item.generation
    generation.refresh_from_db()
    ref = str(generation.public_id)
    reason = f"Overturned on quality review: {note}"
    if qa.first_decision == ReviewDecision.APPROVED:
        if generation.status not in TERMINAL:
            return False, (f"Not applied: the generation is still {generation.get_status_display().lower()}, so there is "
                           "nothing to withhold yet; reject its output when it comes back for review.")
        withheld = withhold(generation.assets.filter(role__in=CLIP_ROLES, quarantined=False))
        removed = _remove_from_gallery(generation, actor=actor, reason=reason, qa=qa)
        do_record_strike(generation.created_by, category=_strike_category(qa), source="review_rejection",
                         generation_ref=ref, note=reason, actor=actor)
        return True, (f"Applied: {withheld} file(s) withheld, {'removed from the gallery, ' if removed else ''}"
                      "strike recorded for its author.")
    do_revert_strikes(ref, actor=actor, reason=reason)
    if item.kind == ReviewKind.REPORT:
        restored = GalleryItem.objects.filter(generation=generation, status=GalleryStatus.REMOVED).update(
            status=GalleryStatus.VISIBLE, removed_at=None
        )
        if generation.status == Status.SUCCEEDED:
            release(generation.assets.filter(role__in=CLIP_ROLES))
        return True, f"Applied: strikes reverted; {'back in the gallery, ' if restored else ''}files released."
    if generation.status == Status.BLOCKED:
        return False, ("Partly applied: strikes reverted, but the generation stays blocked (blocked is final in the "
                       "state machine); its author can submit it again.")
    return True, "Applied: strikes reverted."


def _strike_category(qa):
    return qa.category if qa.category != "uncategorised" else "default"


def _remove_from_gallery(generation, *, actor, reason, qa):
    item = GalleryItem.objects.filter(generation=generation, status=GalleryStatus.VISIBLE).first()
    if item is None:
        return False
    GalleryItem.objects.filter(pk=item.pk).update(status=GalleryStatus.REMOVED, removed_at=timezone.now())
    record_audit_event(
        AuditEventType.GALLERY_REMOVED, actor=actor or SYSTEM, team=generation.team, target=item,
        extra={"generation": str(generation.public_id), "qa_review": str(qa.public_id), "reason": reason,
               "policy_version": current_policy_version()},
    )
    return True


# --- the figures ---------------------------------------------------------------------------------------


def rate(part, whole):
    """Pure: part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


GROUP_TITLES = (("per_moderator", "First moderator"), ("per_category", "Category"), ("per_policy_version", "Policy version"))


def figures_from_rows(rows):
    """Pure: agreement and overturn figures from (moderator label, category, policy version, agreed, overturned)
    tuples of decided second reviews, grouped three ways: {"total", "per_moderator", "per_category",
    "per_policy_version"}; each group is a list of {"key", "reviewed", "agreed", "overturned",
    "agreement_rate", "overturn_rate"} sorted by key."""
    groups = {"per_moderator": defaultdict(lambda: [0, 0, 0]), "per_category": defaultdict(lambda: [0, 0, 0]),
              "per_policy_version": defaultdict(lambda: [0, 0, 0])}
    total = [0, 0, 0]
    for moderator, category, version, agreed, overturned in rows:
        for name, key in (("per_moderator", moderator), ("per_category", category), ("per_policy_version", version)):
            counts = groups[name][key]
            counts[0] += 1
            counts[1] += bool(agreed)
            counts[2] += bool(overturned)
        total[0] += 1
        total[1] += bool(agreed)
        total[2] += bool(overturned)

    def row(key, counts):
        reviewed, agreed, overturned = counts
        return {"key": key, "reviewed": reviewed, "agreed": agreed, "overturned": overturned,
                "agreement_rate": rate(agreed, reviewed), "overturn_rate": rate(overturned, reviewed)}

    result = {name: [row(key, counts) for key, counts in sorted(group.items())] for name, group in groups.items()}
    result["total"] = row("all", total)
    result["tables"] = [(title, name, result[name]) for name, title in GROUP_TITLES]
    return result


def qa_figures(*, since=None):
    """The dashboard's quality figures, over second reviews decided of first decisions taken since `since`:
    agreement rate (the second moderator agreed) and overturn rate (a lead let the second decision stand) per
    first moderator, per top category and per policy version; plus how many wait for a second moderator and
    how many disagreements wait for a lead. (The appeals overturn rate stays in the dashboard's own stats.)"""
    decided = QAReview.objects.exclude(second_decision="")
    if since is not None:
        decided = decided.filter(first_decided_at__gte=since)
    rows = [
        (email or "(deleted moderator)", category, version, agreed, resolution == QAResolution.SECOND_STANDS)
        for email, category, version, agreed, resolution in decided.values_list(
            "first_moderator__email", "category", "policy_version", "agreed", "resolution")
    ]
    figures = figures_from_rows(rows)
    figures.update(
        open=QAReview.objects.filter(second_decision="").count(),
        unresolved=QAReview.objects.filter(agreed=False, resolved_at__isnull=True).count(),
    )
    return figures
