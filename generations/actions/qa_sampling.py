"""Which human decisions get a blind second review (quality assurance).

A share of moderators' approve/reject decisions (settings.MODERATION_QA_SHARE) is sampled. The sample is not
random: a running count of eligible decisions is kept in one locked row, and decision n is sampled when
floor(n·share) grows, so over any run of decisions the sampled count is exactly floor(n·share), and which
decisions were sampled can be recomputed from the count. Called inside the decision's transaction, below the
review actions (which call it), so it imports none of them.
"""

import math
from fractions import Fraction

from django.conf import settings
from django.db import transaction

from accounts.audit import SYSTEM, record_audit_event
from accounts.models import AuditEventType
from generations.models import QACounter, QAReview, ReviewDecision, ReviewKind, current_policy_version

ELIGIBLE_KINDS = (ReviewKind.HELD, ReviewKind.REPORT)
ELIGIBLE_DECISIONS = (ReviewDecision.APPROVED, ReviewDecision.REJECTED)


def _share(share) -> Fraction:
    # Exact arithmetic: 0.29 × 100 in floats is 28.999…, which would skip a sample.
    return min(Fraction(1), max(Fraction(0), Fraction(str(share))))


def is_sampled(n: int, share) -> bool:
    """Pure: whether the n-th eligible decision (counting from 1) is sampled at this share."""
    share = _share(share)
    return n >= 1 and math.floor(n * share) > math.floor((n - 1) * share)


def top_category(categories) -> str:
    """Pure: the item's highest-scoring category, or "uncategorised"."""
    scored = {name: score for name, score in (categories or {}).items() if score and score > 0}
    return max(scored, key=scored.get) if scored else "uncategorised"


def is_eligible(item) -> bool:
    """Only a moderator's own approve/reject of a held generation or a report: not appeals, withdrawals,
    SLA expiries (no one decided them) or second reviews (they are not review items)."""
    return item.kind in ELIGIBLE_KINDS and item.decision in ELIGIBLE_DECISIONS and item.decided_by_id is not None


def do_sample_decision(item, *, share=None):
    """Count the decision just taken on `item` and open its blind second review if it is sampled. Returns the
    QAReview or None. Runs inside the decision's transaction: a decision rolled back is not counted."""
    if not is_eligible(item):
        return None
    share = settings.MODERATION_QA_SHARE if share is None else share
    with transaction.atomic(savepoint=False):
        QACounter.objects.get_or_create(pk=1)
        counter = QACounter.objects.select_for_update().get(pk=1)
        counter.decisions += 1
        counter.save(update_fields=["decisions"])
        if not is_sampled(counter.decisions, share):
            return None
        qa = QAReview.objects.create(
            review_item=item, sequence=counter.decisions, first_decision=item.decision, first_reason=item.decision_reason,
            first_moderator_id=item.decided_by_id, first_decided_at=item.decided_at,
            policy_version=current_policy_version(item.decided_at), category=top_category(item.categories),
        )
        record_audit_event(
            AuditEventType.QA_SAMPLED, actor=SYSTEM, team=item.generation.team, target=item,
            extra={"qa_review": str(qa.public_id), "sequence": qa.sequence, "share": str(_share(share)),
                   "policy_version": qa.policy_version},
        )
    return qa
