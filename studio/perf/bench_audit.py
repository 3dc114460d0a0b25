"""`bench audit`: how fast the tamper-evident chain verifies, over the ledger plus synthetic events.

The synthetic events are appended through the ledger's own bulk append (sealed and chained as real ones)
inside a transaction that is rolled back, so nothing is left behind and it may run against any database.
"""

import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import append_in_bulk, verify_chain
from accounts.models import AuditEventType

LABELS = ("alice@example.org", "bob@example.org", "sk-bench0001", "system")
TYPES = (AuditEventType.SIGN_IN, AuditEventType.GENERATION_SUBMITTED, AuditEventType.CREDITS_GRANTED)


def synthetic_events(n: int):
    """`n` plausible events: three actor kinds, three event types, a prompt with a non-ASCII character."""
    base = timezone.now()
    for index in range(n):
        label = LABELS[index % len(LABELS)]
        yield {
            "created_at": base + timedelta(microseconds=index),
            "event_type": int(TYPES[index % len(TYPES)]),
            "actor_kind": "system" if label == "system" else ("api_key" if label.startswith("sk-") else "user"),
            "actor_label": label,
            "target_type": "Generation",
            "target_id": f"bench-{index}",
            "extra": {"n": index, "prompt": "A red fox runs through fresh snow ✓", "credits": index % 97},
            "request_id": f"bench{index:027d}",
            "ip_address": "192.0.2.10",
        }


def run_audit_bench(events=1_000_000) -> dict:
    """Time `verify_chain` over the ledger plus `events` synthetic events, then roll the synthetic ones back.

    Real audit writers wait while it runs.
    """
    with transaction.atomic():
        started = time.perf_counter()
        append_in_bulk(synthetic_events(events))
        seeded_s = time.perf_counter() - started
        started = time.perf_counter()
        report = verify_chain()
        verify_s = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "database": connection.vendor,
        "events": report.count,
        "verified": report.ok,
        "seconds": round(verify_s, 3),
        "events_per_s": round(report.count / verify_s) if verify_s else 0,
        "seeded": events,
        "seed_events_per_s": round(events / seeded_s) if seeded_s else 0,
    }
