"""The audit ledger: append-only and hash-chained.

Each event stores `prev_hash` and `hash = sha256(canonical_json(event) + prev_hash)`. Writers lock the
single `AuditChainHead` row, so concurrent writers queue up and the chain never forks. Because the lock is
taken inside the caller's transaction, an event commits or rolls back together with the change it records.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_payload(event: AuditEvent) -> dict:
    """The fields the hash covers: everything but the hash itself."""
    return {
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "event_type": event.event_type,
        "actor_user_id": event.actor_user_id,
        "actor_api_key_id": event.actor_api_key_id,
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "team_id": event.team_id,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "extra": event.extra,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
    }


def chain_hash(payload: dict, prev_hash: str) -> str:
    return hashlib.sha256((canonical_json(payload) + prev_hash).encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, an API key (and the user who created it), or the system."""

    user: object = None
    api_key: object = None

    @property
    def kind(self):
        if self.api_key is not None:
            return "api_key"
        return "user" if self.user is not None else "system"

    @property
    def label(self):
        if self.api_key is not None:
            return f"sk-{self.api_key.prefix}"
        return self.user.email if self.user is not None else "system"


SYSTEM = Actor()


def record_audit_event(event_type, *, actor=SYSTEM, team=None, target=None, extra=None, request=None):
    """Append one event to the ledger and return it. `target` is a model instance (or None)."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS_HASH, "count": 0}
        )
        event = AuditEvent(
            created_at=timezone.now(),
            event_type=int(event_type),
            actor_user=actor.user if actor.user is not None else None,
            actor_api_key=actor.api_key,
            actor_kind=actor.kind,
            actor_label=actor.label,
            team=team,
            target_type=type(target).__name__ if target is not None else "",
            target_id=_target_id(target),
            extra=json.loads(canonical_json(extra or {})),
            request_id=getattr(request, "request_id", "") if request is not None else "",
            ip_address=client_ip(request) if request is not None else None,
            prev_hash=head.last_hash,
            # The id is part of the hashed payload, so the row is inserted first, then sealed.
            hash=f"unsealed-{head.count + 1}",
        )
        event.save()
        event.hash = chain_hash(event_payload(event), head.last_hash)
        AuditEvent.objects.filter(pk=event.pk).update(hash=event.hash)
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


def _target_id(target):
    if target is None:
        return ""
    return str(getattr(target, "public_id", None) or target.pk)


def client_ip(request):
    # Behind a reverse proxy, configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_event_id: int | None = None
    reason: str = ""


def verify_chain(batch_size=5000) -> ChainReport:
    """Walk the ledger in id order; report the first event whose link or content does not verify."""
    prev_hash = GENESIS_HASH
    count = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != prev_hash:
                return ChainReport(False, count, event.pk, "prev_hash does not match the previous event's hash")
            if chain_hash(event_payload(event), prev_hash) != event.hash:
                return ChainReport(False, count, event.pk, "content does not match its hash")
            prev_hash = event.hash
            count += 1
            last_id = event.pk
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev_hash or head.count != count):
        return ChainReport(False, count, None, "events after the last verified one are missing (chain head mismatch)")
    return ChainReport(True, count)
