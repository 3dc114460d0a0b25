"""Housekeeping (the reconciler): the database row, not the queue, is the source of truth.

A generation whose job was lost (a worker killed mid-job, Redis restarted without its data) sits in a
non-terminal state with nothing driving it. Every pass finds such rows and either hands them back to the
queue or, past their deadline, fails them (releasing their credits), so no generation stays stuck.
The same pass does the studio's other periodic duties, one function each: send webhook deliveries whose
job was lost, expire reviews past their SLA, delete media past its retention, write the audit
checkpoint when one is due, renew monthly credit allowances, and delete multi-elements selection sessions past
their 24 hours.
"""

import datetime as dt
import logging
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job

from accounts.audit import make_checkpoint
from accounts.credits import renew_allowance_if_due
from accounts.models import Team
from accounts.redis_client import redis_connection
from generations import queueing
from generations.actions.elements import do_expire_held_elements
from generations.actions.generation import do_fail_generation, do_requeue_generation
from generations.actions.retention import apply_retention
from generations.actions.review import do_expire_overdue_reviews
from generations.actions.selection import do_remove_expired_sessions
from generations.actions.withholding import relocate_mismatched
from generations.models import DeliveryStatus, Generation, WebhookDelivery
from generations.states import Status
from generations.worker.pipeline import SLOT_WAIT_EXPIRED, generation_deadline_s, slot_wait_message

logger = logging.getLogger(__name__)

DRIVEN_STATES = (Status.QUEUED, Status.SUBMITTING, Status.GENERATING, Status.SCANNING)


@dataclass
class HousekeepingReport:
    requeued: int = 0
    failed: int = 0
    renewed_teams: int = 0
    webhooks_sent: int = 0
    reviews_expired: int = 0
    quarantined_inputs_removed: int = 0
    retention_removed: dict | None = None
    selection_sessions_removed: int = 0
    held_elements_expired: int = 0


def _job_is_pending(generation) -> bool:
    """Whether the generation's latest job is still waiting or running."""
    job_id = queueing.job_id_for(generation.pk, generation.poll_rounds)
    try:
        job = Job.fetch(job_id, connection=redis_connection(queueing.GENERATIONS_QUEUE))
    except NoSuchJobError:
        return False
    except redis.RedisError:
        return True  # cannot tell: leave it for the next pass rather than enqueue into nothing
    status = job.get_status(refresh=False)
    if status == "started":
        # A worker killed mid-job leaves its job "started" for good; only a recent heartbeat means alive.
        heartbeat = job.last_heartbeat
        if heartbeat is None:
            return False
        if heartbeat.tzinfo is None:
            heartbeat = heartbeat.replace(tzinfo=dt.timezone.utc)
        return (timezone.now() - heartbeat).total_seconds() < settings.GENERATION_STALL_S
    return status in ("queued", "scheduled", "deferred")




def remove_expired_quarantined_inputs(*, now=None, limit=500) -> int:
    """Withheld media past QUARANTINED_RETENTION_DAYS (see actions.retention): how many files went."""
    return sum(apply_retention(now=now, limit=limit, only=("withheld",)).values())


def waiting_for_slot(generation) -> bool:
    """Released by a moderator and waiting for one of its team's concurrency slots (see the pipeline)."""
    return generation.status == Status.QUEUED and not generation.holds_slot


def _past_deadline(generation, now) -> bool:
    """Whether a driven generation is past its deadline (plus the stall allowance). One waiting for a slot
    has GENERATION_SLOT_WAIT_S from joining the queue (its worker turns fail it then; this is the backstop
    when no turn comes, e.g. no worker runs the scheduler). The others have the generation deadline from
    when they took their slot: a generation released after days in review is not failed for its age."""
    if waiting_for_slot(generation):
        started, allowance_s = generation.queued_at or generation.created_at, settings.GENERATION_SLOT_WAIT_S
    else:
        started, allowance_s = generation.slot_taken_at or generation.created_at, generation_deadline_s(generation)
    return (now - started).total_seconds() > allowance_s + settings.GENERATION_STALL_S


def requeue_or_fail_stalled(*, now) -> tuple[int, int]:
    """Generations in a driven state with nothing driving them: back on the queue, or failed (credits
    released) once past their deadline. One waiting for a slot whose delayed turn is scheduled counts as
    driven. Returns (requeued, failed)."""
    requeued = failed = 0
    stalled_before = now - dt.timedelta(seconds=settings.GENERATION_STALL_S)
    for generation in Generation.objects.filter(status__in=DRIVEN_STATES, updated_at__lt=stalled_before).select_related("team"):
        if _past_deadline(generation, now):
            if waiting_for_slot(generation):
                code, message = SLOT_WAIT_EXPIRED, slot_wait_message()
            else:
                code, message = "deadline_exceeded", "The generation did not finish in time; its credits were released."
            do_fail_generation(generation, code=code, message=message, extra={"reconciled": True})
            failed += 1
        elif not _job_is_pending(generation):
            logger.warning("housekeeping: generation %s was %s with no job; requeuing", generation.public_id, generation.status)
            do_requeue_generation(generation)
            requeued += 1
    return requeued, failed


def send_due_deliveries(*, now=None, grace_s=60, limit=500):
    """Enqueue webhook deliveries overdue by more than `grace_s` (their own job was lost)."""
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=grace_s)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=overdue).values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        queueing.enqueue_delivery(delivery_id)
    return len(due)


def renew_due_allowances(*, now) -> int:
    """Start the new monthly credit period of every team whose period ended."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return sum(1 for team in Team.objects.filter(period_start__lt=month_start) if renew_allowance_if_due(team, now=now) is not None)


def run_housekeeping(*, now=None) -> HousekeepingReport:
    """One pass of every periodic duty (`manage.py reconcile` runs it; workers run it on a timer)."""
    now = now or timezone.now()
    report = HousekeepingReport()
    report.requeued, report.failed = requeue_or_fail_stalled(now=now)
    report.webhooks_sent = send_due_deliveries(now=now)
    report.reviews_expired = do_expire_overdue_reviews(now=now)
    report.retention_removed = apply_retention(now=now)
    relocate_mismatched()
    report.quarantined_inputs_removed = report.retention_removed["withheld"]
    make_checkpoint()  # writes a signed checkpoint of the audit chain only when one is due
    report.renewed_teams = renew_due_allowances(now=now)
    report.selection_sessions_removed = do_remove_expired_sessions(now=now)
    report.held_elements_expired = do_expire_held_elements(now=now)
    return report
