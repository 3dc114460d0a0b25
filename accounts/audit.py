"""The audit ledger: append-only and hash-chained, with signed checkpoints.

Each event stores `prev_hash` and `hash = sha256(canonical_json(event) + prev_hash)`. Writers lock the
single `AuditChainHead` row, so concurrent writers queue up and the chain never forks. Because the lock is
taken inside the caller's transaction, an event commits or rolls back together with the change it records.

The id is part of the hashed payload, yet the row must be written by a single INSERT (on PostgreSQL a
trigger refuses every UPDATE and DELETE of the table), so the id is allocated before the insert, under the
head lock.

An ordinary append is three statements inside the caller's transaction (two on PostgreSQL): an UPDATE of
the head that locks it and returns the previous hash and the next id, the INSERT, and the UPDATE that moves
the head to the new hash. Every submit appends while it holds its team's row lock, so each round trip
saved here is waiting time saved for the next submit.

A checkpoint is an ordinary event (`AUDIT_CHECKPOINT`) whose `extra` holds the chain's length and last hash
at that point, signed with HMAC-SHA256 under `AUDIT_CHECKPOINT_KEY`. Someone who can write to the database
can recompute every hash after changing history, but cannot sign a checkpoint that agrees with the rewrite.
"""

import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditChainHead, AuditEvent, AuditEventType

GENESIS_HASH = "0" * 64

# Built once: json.dumps(...) with non-default options constructs a new encoder on every call, which is
# a large share of the cost of verifying a long chain.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(payload) -> str:
    return _CANONICAL_ENCODER.encode(payload)


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


# The columns `verify_chain` reads, in this order; the first thirteen are the hashed payload.
PAYLOAD_FIELDS = (
    "id",
    "created_at",
    "event_type",
    "actor_user_id",
    "actor_api_key_id",
    "actor_kind",
    "actor_label",
    "team_id",
    "target_type",
    "target_id",
    "extra",
    "request_id",
    "ip_address",
)
ROW_FIELDS = PAYLOAD_FIELDS + ("prev_hash", "hash")


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


# --- writing --------------------------------------------------------------------------------------


def _locked_head():
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS_HASH, "count": 0})
    return head


def _allocate_ids(count: int) -> list[int]:
    """Ids for the next `count` events, ascending. Call only while holding the head lock."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return sorted(row[0] for row in cursor.fetchall())
        # Writes are serialised by the head lock (on SQLite, by the write lock BEGIN IMMEDIATE takes), so
        # nobody can take the same ids between this read and our insert.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _seal(event: AuditEvent, prev_hash: str) -> AuditEvent:
    event.prev_hash = prev_hash
    event.hash = chain_hash(event_payload(event), prev_hash)
    return event


def _normalised_ip(value):
    # Hash what the database will give back: PostgreSQL's inet prints IPv6 addresses compressed, lowercase.
    if not value:
        return None
    return AuditEvent._meta.get_field("ip_address").get_prep_value(value)


def _append(head, **fields) -> AuditEvent:
    """Insert one sealed event after `head` (locked by the caller) and advance the head."""
    event = AuditEvent(id=_allocate_ids(1)[0], **fields)
    _seal(event, head.last_hash)
    event.save(force_insert=True)
    head.last_hash = event.hash
    head.count += 1
    head.save(update_fields=["last_hash", "count"])
    return event


def record_audit_event(event_type, *, actor=SYSTEM, team=None, target=None, extra=None, request=None):
    """Append one event to the ledger and return it. `target` is a model instance (or None)."""
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
        # Stored as it will be read back, so the hash computed now is the hash verified later.
        extra=json.loads(canonical_json(extra or {})),
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip_address=_normalised_ip(client_ip(request)) if request is not None else None,
    )
    # No savepoint inside a caller's transaction: an event that cannot be written fails the whole change
    # it records (that is the point), and a savepoint would cost two more round trips under the lock.
    with transaction.atomic(savepoint=False):
        conn = transaction.get_connection()
        prev_hash, event.id = _claim_head(conn)
        _seal(event, prev_hash)
        _insert_and_advance_head(conn, event)
    return event


_SQL = {}


def _sql(conn, name, build):
    """SQL text built once per database vendor."""
    key = (conn.vendor, name)
    text = _SQL.get(key)
    if text is None:
        text = _SQL[key] = build(conn.ops.quote_name)
    return text


def _claim_head(conn) -> tuple[str, int]:
    """Lock the chain head and count the event about to be appended; (the previous hash, the new event's id).

    The UPDATE takes the row lock before anything is read, and the id is taken in its RETURNING, under the
    lock, so ids follow the chain order. (On SQLite the write lock BEGIN IMMEDIATE took already serialises
    writers.)
    """

    def build(quote):
        if conn.vendor == "postgresql":
            next_id = f"nextval(pg_get_serial_sequence('{AuditEvent._meta.db_table}', 'id'))"
        else:
            next_id = f"(SELECT COALESCE(MAX({quote('id')}), 0) + 1 FROM {quote(AuditEvent._meta.db_table)})"
        return (
            f"UPDATE {quote(AuditChainHead._meta.db_table)} SET {quote('count')} = {quote('count')} + 1 "
            f"WHERE {quote('id')} = 1 RETURNING {quote('last_hash')}, {next_id}"
        )

    sql = _sql(conn, "claim_head", build)
    with conn.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:  # the first event ever: create the head, then claim it
            AuditChainHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS_HASH, "count": 0})
            cursor.execute(sql)
            row = cursor.fetchone()
    return row[0], int(row[1])


def _insert_and_advance_head(conn, event: AuditEvent):
    """INSERT the sealed event and move the (claimed) head to its hash; one statement on PostgreSQL."""
    advance = _sql(
        conn, "advance_head",
        lambda quote: f"UPDATE {quote(AuditChainHead._meta.db_table)} SET {quote('last_hash')} = %s WHERE {quote('id')} = 1",
    )
    insert, params = insert_statement(conn, event)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"WITH appended AS ({insert}) {advance}", [*params, event.hash])
        else:
            cursor.execute(insert, params)
            cursor.execute(advance, [event.hash])
    event._state.adding = False
    event._state.db = conn.alias


def insert_statement(conn, instance, *, returning_id=False):
    """(sql, params) of one INSERT of a fully built, unsaved `instance`: what `save()` would run, without its
    per-call query compilation and signals, for the append-only rows written on every submit (audit events
    and credit ledger entries, which no signal listens to). With `returning_id` the id is left to the database
    and returned by the statement."""
    meta = type(instance)._meta
    fields = [field for field in meta.concrete_fields if not (returning_id and field.primary_key)]

    def build(quote):
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        return sql + (f" RETURNING {quote(meta.pk.column)}" if returning_id else "")

    sql = _sql(conn, (meta.label, returning_id), build)
    return sql, [field.get_db_prep_save(field.pre_save(instance, True), conn) for field in fields]


def _target_id(target):
    if target is None:
        return ""
    return str(getattr(target, "public_id", None) or target.pk)


def client_ip(request):
    """The address of the client that sent `request`.

    REMOTE_ADDR, unless it is one of the operator's TRUSTED_PROXIES: then X-Forwarded-For is read right to
    left, skipping trusted hops, and the first address not in the list is the client (anything to its left
    was written by the client itself and proves nothing).
    """
    return forwarded_client(request.META.get("REMOTE_ADDR") or "", request.META.get("HTTP_X_FORWARDED_FOR", ""),
                            settings.TRUSTED_PROXIES)


def forwarded_client(remote_addr: str, forwarded_for: str, trusted) -> str | None:
    """Pure: the client address from the socket peer, the X-Forwarded-For header and the trusted proxy networks."""
    peer = _parsed_ip(remote_addr)
    if peer is None:
        return remote_addr or None
    if not _is_trusted(peer, trusted):
        return str(peer)
    nearest = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = _parsed_ip(hop)
        if address is None:
            break  # garbage: stop at the last hop a trusted proxy vouched for
        if not _is_trusted(address, trusted):
            return str(address)
        nearest = address
    return str(nearest)


def _parsed_ip(value):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address, trusted) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


# --- checkpoints ----------------------------------------------------------------------------------


def checkpoint_signature(*, count: int, last_hash: str, at: str, key_id: str, key: str) -> str:
    """HMAC-SHA256 over everything a checkpoint asserts, including which key signed it."""
    message = canonical_json({"at": at, "count": count, "hash": last_hash, "key_id": key_id}).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def checkpoint_keys() -> dict[str, str]:
    """Every key a checkpoint may be signed with, by key id: the current one and the retired ones."""
    keys = dict(settings.AUDIT_CHECKPOINT_RETIRED_KEYS)
    keys[settings.AUDIT_CHECKPOINT_KEY_ID] = settings.AUDIT_CHECKPOINT_KEY
    return keys


def checkpoint_problem(extra, *, count: int, prev_hash: str, keys: dict[str, str]) -> str:
    """Why a checkpoint found after `count` events ending in `prev_hash` does not hold, or "" when it does."""
    if not isinstance(extra, dict) or not all(name in extra for name in ("count", "hash", "at", "key_id", "signature")):
        return "checkpoint is missing its count, hash, time, key id or signature"
    key = keys.get(extra["key_id"]) if isinstance(extra["key_id"], str) else None
    if key is None:
        return f"checkpoint is signed with an unknown key id {extra['key_id']!r}"
    expected = checkpoint_signature(count=extra["count"], last_hash=extra["hash"], at=extra["at"], key_id=extra["key_id"], key=key)
    if not hmac.compare_digest(expected, str(extra["signature"])):
        return "checkpoint signature does not verify"
    if extra["count"] != count or extra["hash"] != prev_hash:
        return (
            f"checkpoint covers {extra['count']} events ending in {str(extra['hash'])[:12]}…, "
            f"but the chain has {count} events ending in {prev_hash[:12]}… at that point"
        )
    return ""


def make_checkpoint(*, force=False, now=None):
    """Sign the chain head as it stands and append that as an `AUDIT_CHECKPOINT` event; return it.

    Without `force` (the reconciler's periodic call) nothing is written, and None returned, unless events
    were added since the last checkpoint and that one is at least `AUDIT_CHECKPOINT_INTERVAL_S` old.
    """
    now = now or timezone.now()
    with transaction.atomic():
        head = _locked_head()
        if not force:
            if head.count == 0:
                return None
            checkpoints = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_CHECKPOINT)
            last = checkpoints.order_by("-id").values_list("id", "created_at").first()
            if last is not None:
                last_id, last_at = last
                nothing_new = head.last_hash == AuditEvent.objects.filter(id=last_id).values_list("hash", flat=True).first()
                if nothing_new or now - last_at < timedelta(seconds=settings.AUDIT_CHECKPOINT_INTERVAL_S):
                    return None
        at = now.isoformat()
        key_id = settings.AUDIT_CHECKPOINT_KEY_ID
        signature = checkpoint_signature(count=head.count, last_hash=head.last_hash, at=at, key_id=key_id, key=settings.AUDIT_CHECKPOINT_KEY)
        return _append(
            head,
            created_at=now,
            event_type=int(AuditEventType.AUDIT_CHECKPOINT),
            actor_kind=SYSTEM.kind,
            actor_label=SYSTEM.label,
            target_type="AuditChainHead",
            target_id=str(head.count),
            extra={"at": at, "count": head.count, "hash": head.last_hash, "key_id": key_id, "signature": signature},
        )


# --- verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_event_id: int | None = None
    reason: str = ""
    # Stable machine code of the problem: link_broken, content_altered, checkpoint_invalid, head_mismatch,
    # checkpoint_stale, and against exported checkpoints checkpoint_file_invalid, checkpoint_mismatch, tail_truncated.
    code: str = ""
    checkpoints: int = 0


def _ledger_rows(batch_size):
    """Every event as a tuple of `ROW_FIELDS`, in id order, read in keyset batches straight off the cursor.

    Skipping the ORM's per-value converters (and model instances) roughly doubles verification speed.
    """
    quote = connection.ops.quote_name
    column_sql = [quote(AuditEvent._meta.get_field(name).column) for name in ROW_FIELDS]
    if connection.vendor == "postgresql":
        # Have the server render created_at the way it was hashed (UTC, microseconds, "+00:00"): parsing
        # timestamps into datetimes client-side is the largest per-row cost after hashing itself.
        column_sql[ROW_FIELDS.index("created_at")] = (
            f"""to_char({column_sql[1]} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        )
    columns = ", ".join(column_sql)
    sql = f"SELECT {columns} FROM {quote(AuditEvent._meta.db_table)} WHERE id > %s ORDER BY id LIMIT %s"
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last_id, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]


def _isoformat(value) -> str:
    """`created_at` as `datetime.isoformat()` rendered it when hashed, from a raw column value."""
    if isinstance(value, str):
        if value.endswith("+00:00"):  # PostgreSQL, rendered by the query (see _ledger_rows)
            # isoformat() leaves out a zero fraction of a second.
            return value[:-13] + "+00:00" if value.endswith(".000000+00:00") else value
        value = datetime.fromisoformat(value)  # SQLite stores naive UTC text
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def read_checkpoint_file(path) -> list[dict]:
    """The checkpoints an operator exported (`audit_checkpoint --append-to FILE`): JSON lines, or one JSON
    object or list. Raises ValueError naming what is wrong."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read().strip()
    if not text:
        raise ValueError(f"{path} holds no checkpoint")
    try:
        loaded = json.loads(text)
        entries = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        try:
            entries = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not JSON lines: {exc}") from None
    for entry in entries:
        if not isinstance(entry, dict) or not all(name in entry for name in ("count", "hash", "at", "key_id", "signature")):
            raise ValueError(f"{path}: every checkpoint needs count, hash, at, key_id and signature")
    return entries


def verify_chain(batch_size=5000, *, external_checkpoints=(), now=None, check_freshness=True) -> ChainReport:
    """Walk the ledger in id order; report the first event whose link, content or checkpoint does not verify.

    `external_checkpoints` (exported by the operator, kept away from the database) must each agree with the
    chain at their point, and the chain must reach them: a database whose newest events (checkpoints
    included) were cut off fails here even though its own links and head were made to agree. With
    `check_freshness`, a chain whose newest checkpoint is older than AUDIT_CHECKPOINT_INTERVAL_S (plus
    AUDIT_CHECKPOINT_GRACE_S for the reconciler to get to it) while events follow it fails too: the reconciler
    would have signed them, so the newer checkpoints were removed (or the reconciler is not running).
    """
    checkpoint_type = int(AuditEventType.AUDIT_CHECKPOINT)
    keys = checkpoint_keys()
    expected_at = {}
    for index, entry in enumerate(external_checkpoints):
        problem = checkpoint_problem(entry, count=entry.get("count"), prev_hash=entry.get("hash"), keys=keys)
        if problem:
            return ChainReport(False, 0, None, f"exported checkpoint {index + 1}: {problem}", "checkpoint_file_invalid")
        expected_at.setdefault(int(entry["count"]), []).append((str(entry["hash"]), f"exported checkpoint of {entry['at']}"))
        if entry.get("event_hash"):
            expected_at.setdefault(int(entry["count"]) + 1, []).append(
                (str(entry["event_hash"]), f"exported checkpoint event of {entry['at']}")
            )
    sha256 = hashlib.sha256
    encode = _CANONICAL_ENCODER.encode
    loads = json.loads
    names = PAYLOAD_FIELDS
    prev_hash = GENESIS_HASH
    prev_id = None
    count = 0
    checkpoints = 0
    reference_at = None  # when the newest checkpoint (or, before any, the first event) was written
    since_reference = 0
    for row in _ledger_rows(batch_size):
        event_id = row[0]
        for wanted, label in expected_at.pop(count, ()):
            if wanted != prev_hash:
                reason = f"the chain after {count} events does not match the {label}: history was rewritten"
                return ChainReport(False, count, event_id, reason, "checkpoint_mismatch", checkpoints)
        if row[13] != prev_hash:
            after = f"event #{prev_id}" if prev_id is not None else "the start of the chain"
            reason = f"prev_hash does not match the hash of {after}: an event before it was removed or altered"
            return ChainReport(False, count, event_id, reason, "link_broken", checkpoints)
        payload = dict(zip(names, row, strict=False))
        payload["created_at"] = _isoformat(row[1])
        extra = payload["extra"] = loads(row[10]) if isinstance(row[10], str) else row[10]
        if sha256((encode(payload) + prev_hash).encode()).hexdigest() != row[14]:
            return ChainReport(False, count, event_id, "content does not match its hash", "content_altered", checkpoints)
        if row[2] == checkpoint_type:
            problem = checkpoint_problem(extra, count=count, prev_hash=prev_hash, keys=keys)
            if problem:
                return ChainReport(False, count, event_id, problem, "checkpoint_invalid", checkpoints)
            checkpoints += 1
            reference_at, since_reference = payload["created_at"], 0
        else:
            if reference_at is None:
                reference_at = payload["created_at"]
            since_reference += 1
        prev_hash = row[14]
        prev_id = event_id
        count += 1
    for wanted, label in expected_at.pop(count, ()):
        if wanted != prev_hash:
            reason = f"the chain after {count} events does not match the {label}: history was rewritten"
            return ChainReport(False, count, None, reason, "checkpoint_mismatch", checkpoints)
    if expected_at:
        furthest = max(int(entry["count"]) for entry in external_checkpoints)
        reason = (
            f"the database holds {count} events, but an exported checkpoint covers {furthest}: "
            "events were removed from the end of the ledger"
        )
        return ChainReport(False, count, None, reason, "tail_truncated", checkpoints)
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None and count:
        return ChainReport(False, count, None, "the chain head is missing", "head_mismatch", checkpoints)
    if head is not None and (head.last_hash != prev_hash or head.count != count):
        reason = "events after the last verified one are missing (chain head mismatch)"
        return ChainReport(False, count, None, reason, "head_mismatch", checkpoints)
    if check_freshness and since_reference and reference_at is not None:
        now = now or timezone.now()
        allowed = timedelta(seconds=settings.AUDIT_CHECKPOINT_INTERVAL_S + settings.AUDIT_CHECKPOINT_GRACE_S)
        age = now - datetime.fromisoformat(reference_at)
        if age > allowed:
            what = "the newest checkpoint" if checkpoints else "the first event, with no checkpoint since,"
            reason = (
                f"{what} is {int(age.total_seconds())} s old with {since_reference} events after it, more than "
                f"AUDIT_CHECKPOINT_INTERVAL_S + AUDIT_CHECKPOINT_GRACE_S ({int(allowed.total_seconds())} s): newer "
                "checkpoints were removed, or nothing is signing them (run the reconciler or `audit_checkpoint --if-due`)"
            )
            return ChainReport(False, count, None, reason, "checkpoint_stale", checkpoints)
    return ChainReport(True, count, checkpoints=checkpoints)


# --- reading ----------------------------------------------------------------------------------------


def events_matching(*, event_type=None, actor="", team="", target="", since=None, until=None):
    """Events filtered the way the audit viewer and its exports filter them; unordered.

    `actor` is an email (exact, any case), "system", or an API key prefix with or without its "sk-";
    `team` a team slug; `since`/`until` are dates, inclusive, in UTC.
    """
    events = AuditEvent.objects.all()
    if event_type is not None:
        events = events.filter(event_type=int(event_type))
    actor = (actor or "").strip()
    if "@" in actor:
        events = events.filter(actor_label__iexact=actor)
    elif actor.lower() == "system":
        events = events.filter(actor_kind="system")
    elif actor:
        prefix = actor.removeprefix("sk-").rstrip("…")
        events = events.filter(actor_kind="api_key", actor_label__startswith=f"sk-{prefix}")
    if team:
        events = events.filter(team__slug=team)
    if target:
        events = events.filter(target_id=target.strip())
    if since is not None:
        events = events.filter(created_at__gte=datetime.combine(since, datetime.min.time(), tzinfo=UTC))
    if until is not None:
        events = events.filter(created_at__lt=datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC))
    return events


# --- bulk append ----------------------------------------------------------------------------------


def append_in_bulk(rows, *, batch_size=5000) -> int:
    """Append events given as field dicts (`event_type`, `actor_kind`, `actor_label`, `target_type`, …) in
    batches, each sealed onto the chain exactly as `record_audit_event` would; return how many.

    Holds the head lock for the whole call, so other writers wait: meant for imports and the audit
    benchmark (`studio.perf.bench_audit`), which runs it inside a transaction it rolls back.
    """
    written = 0
    with transaction.atomic():
        head = _locked_head()
        rows = iter(rows)
        while True:
            batch = [row for _, row in zip(range(batch_size), rows, strict=False)]
            if not batch:
                break
            events = []
            for event_id, fields in zip(_allocate_ids(len(batch)), batch, strict=False):
                event = _seal(AuditEvent(id=event_id, **fields), head.last_hash)
                head.last_hash = event.hash
                events.append(event)
            AuditEvent.objects.bulk_create(events, batch_size=1000)
            written += len(events)
        head.count += written
        head.save(update_fields=["last_hash", "count"])
    return written
