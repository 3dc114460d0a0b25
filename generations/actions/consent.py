"""Likeness consent: a team's audited record that a real person agreed to have their face animated."""

from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType, StandingLevel
from accounts.standing import current_standing
from generations.actions import free_text
from generations.errors import GenerationError
from generations.models import ConsentRecord

MAX_SUBJECT = 200
MAX_STATEMENT = 2000


def do_record_consent(*, team, user, subject_name, statement, request=None):
    subject_name, statement = (subject_name or "").strip(), (statement or "").strip()
    if not subject_name:
        raise GenerationError("subject_required", "Name the person whose consent this records.", field="subject_name")
    if len(subject_name) > MAX_SUBJECT:
        raise GenerationError("subject_too_long", f"The name can be at most {MAX_SUBJECT} characters.", field="subject_name")
    if not statement:
        raise GenerationError(
            "statement_required", "Say how and when the person agreed (for example: signed release, 2026-11-20).", field="statement"
        )
    if len(statement) > MAX_STATEMENT:
        raise GenerationError("statement_too_long", f"The statement can be at most {MAX_STATEMENT} characters.", field="statement")
    # The note is shown to the whole team and stored only when screening allows it. The name is not screened:
    # naming a real, perhaps famous, person is what a consent record is for.
    restricted = current_standing(user).level == StandingLevel.RESTRICTED
    statement_screening = free_text.check_free_text(
        statement, free_text.CONSENT_NOTE, user=user, team=team, strict=restricted, request=request
    )
    with transaction.atomic():
        record = ConsentRecord.objects.create(team=team, subject_name=subject_name, statement=statement, created_by=user)
        record_audit_event(
            AuditEventType.CONSENT_RECORDED, actor=Actor(user=user), team=team, target=record,
            extra={"subject_name": subject_name, "statement": statement, "statement_screening": statement_screening},
            request=request,
        )
    return record


def do_revoke_consent(record, *, user, request=None):
    """Revoked consent covers no new generation; what was already made with it stays on record."""
    with transaction.atomic():
        if not ConsentRecord.objects.filter(pk=record.pk, revoked_at=None).update(revoked_at=timezone.now(), revoked_by=user):
            raise GenerationError("consent_already_revoked", "This consent record was already revoked.", http_status=409)
        record.refresh_from_db()
        record_audit_event(
            AuditEventType.CONSENT_REVOKED, actor=Actor(user=user), team=record.team, target=record,
            extra={"subject_name": record.subject_name}, request=request,
        )
    return record
