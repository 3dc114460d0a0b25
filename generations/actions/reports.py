"""The decision log, DSA statements of reasons and the transparency report: read-side views of every
restrictive or review decision, automated and human, plus the one write here (auditing an export).

A decision is read from where it is recorded: a generation's `screening_result` (prompt and input, at
submit), its `scan_result` (the output scan), its status (an upstream refusal, a copy taken down), a
review item's decision (human, or automatic past its SLA), and the audit ledger for account standing.
Each carries the content policy version in force when it was taken; decisions recorded before versions
were stamped get the version in force at their time.
"""

import csv
import datetime as dt
import io
import json
import statistics
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEvent, AuditEventType, StandingLevel
from generations.catalog import output_media
from generations.models import Generation, PolicyVersion, ReviewDecision, ReviewItem, ReviewKind
from generations.states import Stage, Status

AUTOMATED, HUMAN = "automated", "human"
COPY_REMOVED = "copy_removed"  # the takedown machinery's error code (generations.actions.takedown)

# What a decision did, for the statements of reasons (one per restrictive kind).
PROMPT_BLOCKED, INPUT_BLOCKED, OUTPUT_BLOCKED, UPSTREAM_BLOCKED = "prompt_blocked", "input_blocked", "output_blocked", "upstream_blocked"
OUTPUT_WITHHELD, GALLERY_REMOVED, COPY_TAKEN_DOWN = "output_withheld", "gallery_removed", "copy_removed"
ACCOUNT_RESTRICTED, ACCOUNT_SUSPENDED = "account_restricted", "account_suspended"
HELD_FOR_REVIEW, REVIEW_DECIDED = "held_for_review", "review_decided"
RESTRICTIVE_KINDS = (
    PROMPT_BLOCKED, INPUT_BLOCKED, OUTPUT_BLOCKED, UPSTREAM_BLOCKED, OUTPUT_WITHHELD, GALLERY_REMOVED, COPY_TAKEN_DOWN,
    ACCOUNT_RESTRICTED, ACCOUNT_SUSPENDED,
)

DECISION_LOG_FIELDS = (
    "time", "generation", "team", "stage", "decision", "categories", "automated", "moderator", "policy_version", "reason",
)


@dataclass
class Decision:
    """One restrictive or review decision, as the log, the statements and the report read it."""

    time: dt.datetime
    generation: str  # public id ("" for an account decision)
    team: str  # slug
    stage: str  # prompt, input, output, upstream, review, gallery, account
    decision: str  # block, review, approved, rejected, expired, withheld, removed, restricted, suspended
    categories: dict = field(default_factory=dict)
    automated: str = AUTOMATED
    moderator: str = ""  # the moderator's user id, never their e-mail
    policy_version: str = ""
    reason: str = ""
    kind: str = ""  # one of the kinds above
    review_kind: str = ""  # held, appeal, report: for human decisions
    content_date: dt.datetime | None = None
    waited_s: float | None = None  # for review decisions: from the item opening to the decision
    puid: str = ""
    media: tuple = ("video",)  # what the generation makes (catalog.output_media): names the content in a statement

    @property
    def restrictive(self):
        return self.kind in RESTRICTIVE_KINDS

    def log_row(self):
        return {
            "time": self.time.isoformat(), "generation": self.generation, "team": self.team, "stage": self.stage,
            "decision": self.decision, "categories": ",".join(sorted(self.categories)), "automated": self.automated,
            "moderator": self.moderator, "policy_version": self.policy_version, "reason": self.reason,
        }


class _Versions:
    """The version in force at a time, from one query of the (few) published versions."""

    def __init__(self):
        self.rows = list(PolicyVersion.objects.order_by("effective_from", "id").values_list("effective_from", "version"))

    def at(self, when):
        version = settings.POLICY_VERSION
        for effective_from, name in self.rows:
            if effective_from <= when:
                version = name
        return version


def _top(categories):
    return {name: round(float(score), 3) for name, score in (categories or {}).items() if isinstance(score, (int, float)) and score > 0}


def _rule(record):
    """The rule or reason that decided an automated decision, in words."""
    if record.get("hash_match"):
        match = record["hash_match"]
        return f"hash match: bank {match.get('bank', '?')} ({match.get('action', '?')})"
    reasons = record.get("reasons") or []
    if reasons:
        return "; ".join(str(reason) for reason in reasons)[:500]
    if record.get("verdict"):
        return f"output scan ({', '.join(record.get('detectors') or []) or 'frame detectors'}): {record['verdict']}"
    return record.get("decision", "")


def _screening_decisions(since, until, versions):
    out = []
    rows = Generation.objects.filter(created_at__gte=since, created_at__lt=until, screening_result__isnull=False)
    for generation in rows.select_related("team").order_by("created_at", "id"):
        record = generation.screening_result or {}
        match = record.get("hash_match") or {}
        input_verdict = (record.get("input_scan") or {}).get("verdict")
        blocked = record.get("decision") == "block" or match.get("action") == "block" or input_verdict == "block"
        held = record.get("decision") == "review" or match.get("action") == "hold" or input_verdict == "review"
        if not (blocked or held):
            continue
        stage = Stage.INPUT if match or input_verdict in ("block", "review") else Stage.PROMPT
        categories = _top(record.get("categories")) or ({match["category"]: 1.0} if match.get("category") else {})
        out.append(Decision(
            time=generation.created_at, generation=str(generation.public_id), team=generation.team.slug, stage=stage,
            decision="block" if blocked else "review", categories=categories, automated=AUTOMATED,
            policy_version=record.get("content_policy_version") or versions.at(generation.created_at), reason=_rule(record),
            kind=(INPUT_BLOCKED if stage == Stage.INPUT else PROMPT_BLOCKED) if blocked else HELD_FOR_REVIEW,
            content_date=generation.created_at, puid=f"{generation.public_id}:{stage}", media=output_media(generation.kind),
        ))
    return out


def _scan_time(generation):
    return generation.render_finished_at or generation.finished_at or generation.updated_at


def _scan_decisions(since, until, versions):
    out = []
    rows = Generation.objects.filter(scan_result__isnull=False).filter(
        Q(render_finished_at__gte=since, render_finished_at__lt=until)
        | Q(render_finished_at__isnull=True, finished_at__gte=since, finished_at__lt=until)
    )
    for generation in rows.select_related("team").order_by("id"):
        record = generation.scan_result or {}
        verdict = record.get("verdict")
        if verdict not in ("block", "review"):
            continue
        when = _scan_time(generation)
        out.append(Decision(
            time=when, generation=str(generation.public_id), team=generation.team.slug, stage=Stage.OUTPUT,
            decision="block" if verdict == "block" else "review", categories=_top(record.get("categories")),
            automated=AUTOMATED, policy_version=record.get("policy_version") or versions.at(when), reason=_rule(record),
            # A held clip is withheld from its owner until a person releases it: a restriction too.
            kind=OUTPUT_BLOCKED if verdict == "block" else OUTPUT_WITHHELD,
            content_date=generation.created_at, puid=f"{generation.public_id}:output", media=output_media(generation.kind),
        ))
    return out


def _upstream_decisions(since, until, versions):
    rows = Generation.objects.filter(
        status=Status.BLOCKED, stage=Stage.UPSTREAM, error_code="upstream_content_policy", finished_at__gte=since, finished_at__lt=until,
    )
    return [
        Decision(
            time=generation.finished_at, generation=str(generation.public_id), team=generation.team.slug, stage=Stage.UPSTREAM,
            decision="block", categories={}, automated=AUTOMATED, policy_version=versions.at(generation.finished_at),
            reason="the model's provider refused the request under its content-safety policy", kind=UPSTREAM_BLOCKED,
            content_date=generation.created_at, puid=f"{generation.public_id}:upstream", media=output_media(generation.kind),
        )
        for generation in rows.select_related("team").order_by("finished_at", "id")
    ]


def _review_kind_of(item):
    if item.decision not in (ReviewDecision.REJECTED, ReviewDecision.EXPIRED):
        return REVIEW_DECIDED
    if item.kind == ReviewKind.REPORT:
        return GALLERY_REMOVED
    if item.kind == ReviewKind.HELD:
        return {Stage.PROMPT: PROMPT_BLOCKED, Stage.INPUT: INPUT_BLOCKED}.get(item.stage, OUTPUT_BLOCKED)
    return REVIEW_DECIDED  # a denied appeal changes nothing: the block it was about had its own statement


def _review_decisions(since, until, versions):
    rows = ReviewItem.objects.filter(
        decided_at__gte=since, decided_at__lt=until,
        decision__in=(ReviewDecision.APPROVED, ReviewDecision.REJECTED, ReviewDecision.EXPIRED),
    ).select_related("generation", "generation__team")
    out = []
    for item in rows.order_by("decided_at", "id"):
        automatic = item.decision == ReviewDecision.EXPIRED
        out.append(Decision(
            time=item.decided_at, generation=str(item.generation.public_id), team=item.generation.team.slug,
            stage=item.stage, decision=item.decision, categories=_top(item.categories),
            automated=AUTOMATED if automatic else HUMAN, moderator="" if automatic else str(item.decided_by_id or ""),
            policy_version=versions.at(item.decided_at), reason=item.decision_reason[:500], kind=_review_kind_of(item),
            review_kind=item.kind, content_date=item.generation.created_at,
            waited_s=(item.decided_at - item.created_at).total_seconds(), puid=f"{item.public_id}:review",
            media=output_media(item.generation.kind),
        ))
    return out


def _ledger_decisions(since, until, versions):
    """Copies taken down and account restrictions and suspensions, from the audit ledger."""
    out = []
    events = AuditEvent.objects.filter(
        created_at__gte=since, created_at__lt=until,
        event_type__in=(AuditEventType.COPY_TAKEN_DOWN, AuditEventType.STANDING_CHANGED),
    ).order_by("id")
    # What each taken-down copy was (a still, a sound or a clip), from one query.
    copies = [(event.extra or {}).get("generation", event.target_id) for event in events
              if event.event_type == AuditEventType.COPY_TAKEN_DOWN]
    kinds = dict(Generation.objects.filter(public_id__in=[copy for copy in copies if _is_uuid(copy)])
                 .values_list("public_id", "kind")) if copies else {}
    kinds = {str(public_id): kind for public_id, kind in kinds.items()}
    for event in events:
        extra = event.extra or {}
        human = event.actor_kind == "user"
        if event.event_type == AuditEventType.COPY_TAKEN_DOWN:
            if extra.get("again"):
                continue
            out.append(Decision(
                time=event.created_at, generation=extra.get("generation", event.target_id), team=extra.get("team", ""),
                stage="takedown", decision="removed", categories={}, automated=HUMAN if human else AUTOMATED,
                moderator=str(event.actor_user_id or "") if human else "",
                policy_version=extra.get("policy_version") or versions.at(event.created_at),
                reason=f"copy of content banned in bank {extra.get('bank', '?')} ({extra.get('source', '')})".strip(),
                kind=COPY_TAKEN_DOWN, puid=f"audit-{event.pk}",
                media=output_media(kinds.get(str(extra.get("generation", event.target_id)), "")),
            ))
            continue
        new = extra.get("new")
        if new not in (StandingLevel.RESTRICTED, StandingLevel.SUSPENDED) or extra.get("reason") == "suspension lifted":
            continue
        order = [level.value for level in StandingLevel]
        if extra.get("old") in order and order.index(extra["old"]) >= order.index(new):
            continue
        out.append(Decision(
            time=event.created_at, generation="", team="", stage="account", decision=new, categories={},
            automated=HUMAN if human else AUTOMATED, moderator=str(event.actor_user_id or "") if human else "",
            policy_version=versions.at(event.created_at), reason=str(extra.get("reason", ""))[:500],
            kind=ACCOUNT_SUSPENDED if new == StandingLevel.SUSPENDED else ACCOUNT_RESTRICTED, puid=f"audit-{event.pk}",
            content_date=event.created_at,
        ))
    return out


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def decisions(since, until):
    """Every restrictive or review decision taken in [since, until), oldest first."""
    versions = _Versions()
    found = (
        _screening_decisions(since, until, versions) + _scan_decisions(since, until, versions)
        + _upstream_decisions(since, until, versions) + _review_decisions(since, until, versions)
        + _ledger_decisions(since, until, versions)
    )
    return sorted(found, key=lambda decision: (decision.time, decision.puid))


# --- the decision log --------------------------------------------------------------------------------------


def decision_log_csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=DECISION_LOG_FIELDS, lineterminator="\n")
    writer.writeheader()
    for decision in rows:
        writer.writerow(decision.log_row())
    return buffer.getvalue()


def decision_log_jsonl(rows) -> str:
    return "".join(json.dumps({**decision.log_row(), "categories": decision.categories}, sort_keys=True) + "\n" for decision in rows)


def do_record_export(what, *, since, until, rows, actor=SYSTEM, via="", request=None):
    """Audit an export of moderation decisions (the decision log or statements of reasons)."""
    return record_audit_event(
        AuditEventType.AUDIT_EXPORTED, actor=actor, request=request,
        extra={"what": what, "since": since.isoformat(), "until": until.isoformat(), "rows": rows, "via": via},
    )


def actor_for(user):
    return Actor(user=user) if user is not None else SYSTEM


# --- DSA statements of reasons (Art. 17, 24(5)) ---------------------------------------------------------------
# The EU Transparency Database's statement schema: field names and values from its API documentation
# (transparency.dsa.ec.europa.eu/page/api-documentation) and its request validation (StatementsStoreRequest).

TDB_CATEGORY = {
    "sexual": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "sexual_minors": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "violence": "STATEMENT_CATEGORY_VIOLENCE",
    "self_harm": "STATEMENT_CATEGORY_SELF_HARM",
    "deepfake": "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
    "illegal": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "political": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "injection": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
}
FALLBACK_CATEGORY = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"
TDB_CATEGORIES = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
}
EEA = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU",
       "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK")
# Child sexual abuse material is illegal everywhere in the Union: those decisions state the legal ground too.
ILLEGAL_GROUNDS = {"sexual_minors": "Directive 2011/93/EU (combating the sexual abuse and sexual exploitation of children)"}
VISIBILITY = {
    PROMPT_BLOCKED: "DECISION_VISIBILITY_CONTENT_REMOVED", INPUT_BLOCKED: "DECISION_VISIBILITY_CONTENT_REMOVED",
    OUTPUT_BLOCKED: "DECISION_VISIBILITY_CONTENT_REMOVED", UPSTREAM_BLOCKED: "DECISION_VISIBILITY_CONTENT_REMOVED",
    OUTPUT_WITHHELD: "DECISION_VISIBILITY_CONTENT_DISABLED", GALLERY_REMOVED: "DECISION_VISIBILITY_CONTENT_REMOVED",
    COPY_TAKEN_DOWN: "DECISION_VISIBILITY_CONTENT_REMOVED",
}
# What happened, in words; {a} / {noun} name what the generation makes (MEDIA_WORDS).
WHAT_HAPPENED = {
    PROMPT_BLOCKED: "A request to generate {a} was refused at prompt screening; nothing was generated.",
    INPUT_BLOCKED: "A request to generate {a} was refused because an input image violates the policy.",
    OUTPUT_BLOCKED: "A generated {noun} was withheld from its owner for good: it violates the policy.",
    UPSTREAM_BLOCKED: "The model's provider refused to generate the requested {noun} under its content-safety policy.",
    OUTPUT_WITHHELD: "A generated {noun} is withheld from its owner until a human moderator reviews it.",
    GALLERY_REMOVED: "{A} shared in a team gallery was removed after a report, and its file withheld.",
    COPY_TAKEN_DOWN: "A copy of content a moderator removed and banned was taken down.",
    ACCOUNT_RESTRICTED: "The account was restricted: every generation is held for human review and screening is stricter.",
    ACCOUNT_SUSPENDED: "The account was suspended from generating videos until a moderator lifts the suspension.",
}
# The words and the Transparency Database's content types for what a generation makes (catalog.output_media).
MEDIA_WORDS = {("image",): ("an image", "image"), ("audio",): ("a sound", "sound"),
               ("video", "audio"): ("a video with sound", "video with sound"), ("video",): ("a video", "video")}
TDB_CONTENT_TYPE = {"image": "CONTENT_TYPE_IMAGE", "audio": "CONTENT_TYPE_AUDIO", "video": "CONTENT_TYPE_VIDEO"}


def _what_happened(decision):
    a, noun = MEDIA_WORDS.get(tuple(decision.media), MEDIA_WORDS[("video",)])
    return WHAT_HAPPENED[decision.kind].format(a=a, A=a[:1].upper() + a[1:], noun=noun)


def _content_types(decision):
    """SYNTHETIC_MEDIA and what the generation makes, plus the text of a blocked prompt or the image of a blocked
    input; an account decision is about the account's videos, as before."""
    if decision.kind in (ACCOUNT_RESTRICTED, ACCOUNT_SUSPENDED):
        return ["CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_VIDEO"]
    types = ["CONTENT_TYPE_SYNTHETIC_MEDIA"] + [TDB_CONTENT_TYPE[media] for media in decision.media]
    if decision.kind == PROMPT_BLOCKED:
        types.append("CONTENT_TYPE_TEXT")
    if decision.kind == INPUT_BLOCKED:
        types.append("CONTENT_TYPE_IMAGE")
    return list(dict.fromkeys(types))


def _day(when):
    return timezone.localtime(when, dt.timezone.utc).date().isoformat()


def statement_for(decision: Decision) -> dict:
    """Pure: the statement of reasons for one restrictive decision, in the Transparency Database's schema."""
    if not decision.restrictive:
        raise ValueError(f"{decision.kind or decision.decision} is not a restrictive decision")
    top = max(decision.categories, key=decision.categories.get) if decision.categories else ""
    statement = {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": f"Content policy {decision.policy_version or settings.POLICY_VERSION}"
        + (f", category {top}" if top else "") + " (terms of service)",
        "incompatible_content_explanation": (
            f"{_what_happened(decision)} Rule applied: {decision.reason or 'policy'}."
        )[:2000],
        "category": TDB_CATEGORY.get(top, FALLBACK_CATEGORY),
        "content_type": _content_types(decision),
        "content_date": _day(decision.content_date or decision.time),
        "application_date": _day(decision.time),
        "decision_facts": (
            f"{_what_happened(decision)} Decided {'by a human moderator' if decision.automated == HUMAN else 'automatically'}"
            f" at stage {decision.stage} under content policy {decision.policy_version}"
            + (f"; categories: {', '.join(sorted(decision.categories))}" if decision.categories else "") + "."
        )[:5000],
        "source_type": "SOURCE_ARTICLE_16" if decision.kind == GALLERY_REMOVED else "SOURCE_VOLUNTARY",
        "automated_detection": "Yes" if decision.kind != GALLERY_REMOVED else "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY" if decision.automated == AUTOMATED else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": decision.puid[:500],
    }
    if top in ILLEGAL_GROUNDS:
        statement["incompatible_content_illegal"] = "Yes"
    if decision.kind in (ACCOUNT_RESTRICTED, ACCOUNT_SUSPENDED):
        if decision.kind == ACCOUNT_SUSPENDED:
            statement["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
        else:
            statement["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
    else:
        statement["decision_visibility"] = [VISIBILITY[decision.kind]]
    statement["territorial_scope"] = list(settings.DSA_TERRITORIAL_SCOPE or EEA)
    return statement


def statements(since, until):
    return [statement_for(decision) for decision in decisions(since, until) if decision.restrictive]


# The schema's rules for a statement, as its API documentation states them.
TDB_VALUES = {
    "decision_visibility": {"DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
                            "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
                            "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
                            "DECISION_VISIBILITY_OTHER"},
    "decision_monetary": {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"},
    "decision_provision": {"DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
                           "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION"},
    "decision_account": {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"},
    "decision_ground": {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"},
    "content_type": {"CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
                     "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER"},
    "source_type": {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"},
    "automated_detection": {"Yes", "No"},
    "automated_decision": {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"},
    "incompatible_content_illegal": {"Yes", "No"},
}
TDB_MAX = {"decision_facts": 5000, "illegal_content_legal_ground": 500, "illegal_content_explanation": 2000,
           "incompatible_content_ground": 500, "incompatible_content_explanation": 2000, "content_type_other": 500,
           "decision_visibility_other": 500, "puid": 500}
TDB_REQUIRED = ("decision_ground", "content_type", "category", "content_date", "application_date", "decision_facts",
                "source_type", "automated_detection", "automated_decision", "puid")
_DATE_FIELDS = ("content_date", "application_date", "end_date_account_restriction", "end_date_monetary_restriction",
                "end_date_service_restriction", "end_date_visibility_restriction")


def statement_problems(statement: dict) -> list[str]:
    """Pure: what the Transparency Database would reject in a statement ([] when it is acceptable)."""
    problems = [f"{name} is required" for name in TDB_REQUIRED if statement.get(name) in (None, "", [])]
    decisions_given = [name for name in ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
                       if statement.get(name)]
    if not decisions_given:
        problems.append("one of decision_visibility, decision_monetary, decision_provision, decision_account is required")
    for name, allowed in TDB_VALUES.items():
        value = statement.get(name)
        if value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        if name in ("decision_visibility", "content_type") and not isinstance(value, list):
            problems.append(f"{name} must be an array")
        problems += [f"{name}: {item!r} is not an allowed value" for item in values if item not in allowed]
    if statement.get("category") and statement["category"] not in TDB_CATEGORIES:
        problems.append(f"category: {statement['category']!r} is not an allowed value")
    scope = statement.get("territorial_scope")
    if scope is not None and (not isinstance(scope, list) or any(code not in EEA for code in scope)):
        problems.append("territorial_scope must be an array of EU/EEA country codes")
    ground = statement.get("decision_ground")
    needs = {"DECISION_GROUND_ILLEGAL_CONTENT": ("illegal_content_legal_ground", "illegal_content_explanation"),
             "DECISION_GROUND_INCOMPATIBLE_CONTENT": ("incompatible_content_ground", "incompatible_content_explanation")}
    problems += [f"{name} is required for {ground}" for name in needs.get(ground, ()) if not statement.get(name)]
    if "DECISION_VISIBILITY_OTHER" in (statement.get("decision_visibility") or []) and not statement.get("decision_visibility_other"):
        problems.append("decision_visibility_other is required for DECISION_VISIBILITY_OTHER")
    if "CONTENT_TYPE_OTHER" in (statement.get("content_type") or []) and not statement.get("content_type_other"):
        problems.append("content_type_other is required for CONTENT_TYPE_OTHER")
    for name in _DATE_FIELDS:
        value = statement.get(name)
        if value:
            try:
                day = dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                problems.append(f"{name} must be YYYY-MM-DD")
                continue
            if len(value) != 10 or day > dt.date(2038, 1, 1):
                problems.append(f"{name} must be YYYY-MM-DD, before 2038-01-02")
            if name == "application_date" and day < dt.date(2020, 1, 1):
                problems.append("application_date must be on or after 2020-01-01")
            if name == "content_date" and day < dt.date(2000, 1, 1):
                problems.append("content_date must be on or after 2000-01-01")
    problems += [f"{name} is longer than {limit} characters" for name, limit in TDB_MAX.items()
                 if len(str(statement.get(name) or "")) > limit]
    return problems


BATCH_SIZE = 100  # the multiple endpoint takes at most 100 statements per call


def batches(items, size=BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the transparency report ---------------------------------------------------------------------------------


def period_bounds(period: str, *, today=None):
    """("2026-11" | "2026-Q4" | "") → (label, start, end) in UTC; "" is the last full month. ValueError if bad."""
    today = today or timezone.now().date()
    if not period:
        first = today.replace(day=1)
        last_month = (first - dt.timedelta(days=1)).replace(day=1)
        period = f"{last_month:%Y-%m}"
    if "-Q" in period.upper():
        year, quarter = period.upper().split("-Q")
        year, quarter = int(year), int(quarter)
        if not 1 <= quarter <= 4:
            raise ValueError("quarter must be 1-4")
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        label = f"{year}-Q{quarter}"
    else:
        year, month = (int(part) for part in period.split("-"))
        start = dt.date(year, month, 1)
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        label = f"{year}-{month:02d}"
    as_time = lambda day: dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)  # noqa: E731
    return label, as_time(start), as_time(end)


@dataclass
class Report:
    period: str
    since: dt.datetime
    until: dt.datetime
    total: int = 0
    by_category: dict = field(default_factory=dict)
    by_stage: dict = field(default_factory=dict)
    by_decision: dict = field(default_factory=dict)
    automated: int = 0
    human: int = 0
    appeals: int = 0
    appeals_decided: int = 0
    overturned: int = 0
    median_review_hours: float | None = None

    def table(self):
        """(section, key, value) rows: the page's table and the CSV."""
        rows = [("total", "decisions", self.total), ("by method", AUTOMATED, self.automated), ("by method", HUMAN, self.human)]
        rows += [("by category", name, count) for name, count in sorted(self.by_category.items())]
        rows += [("by stage", name, count) for name, count in sorted(self.by_stage.items())]
        rows += [("by decision", name, count) for name, count in sorted(self.by_decision.items())]
        rows += [("appeals", "filed", self.appeals), ("appeals", "decided", self.appeals_decided),
                 ("appeals", "overturned", self.overturned),
                 ("time to decision", "median hours (human review)",
                  "" if self.median_review_hours is None else round(self.median_review_hours, 2))]
        return rows

    def as_dict(self):
        data = asdict(self)
        data.update(since=self.since.isoformat(), until=self.until.isoformat())
        return data


def transparency_report(period="", *, today=None) -> Report:
    label, since, until = period_bounds(period, today=today)
    found = decisions(since, until)
    report = Report(period=label, since=since, until=until, total=len(found))
    report.by_category = dict(Counter(
        (max(d.categories, key=d.categories.get) if d.categories else "uncategorised") for d in found
    ))
    report.by_stage = dict(Counter(d.stage for d in found))
    report.by_decision = dict(Counter(d.decision for d in found))
    report.automated = sum(1 for d in found if d.automated == AUTOMATED)
    report.human = sum(1 for d in found if d.automated == HUMAN)
    report.appeals = ReviewItem.objects.filter(kind=ReviewKind.APPEAL, created_at__gte=since, created_at__lt=until).count()
    appeals = [d for d in found if d.review_kind == ReviewKind.APPEAL]
    report.appeals_decided = len(appeals)
    report.overturned = sum(1 for d in appeals if d.decision == ReviewDecision.APPROVED)
    waits = [d.waited_s for d in found if d.automated == HUMAN and d.waited_s is not None]
    report.median_review_hours = statistics.median(waits) / 3600 if waits else None
    return report


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["period", "section", "key", "value"])
    for section, key, value in report.table():
        writer.writerow([report.period, section, key, value])
    return buffer.getvalue()


def can_export(user) -> bool:
    """The decision log names moderators: staff moderators and superusers only."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or (user.is_staff and user.is_moderator)))



def day_range(since: str, until: str, *, today=None):
    """("YYYY-MM-DD", "YYYY-MM-DD") → [start of since, end of until) in UTC; both days count. Missing: the last 30
    days up to today. ValueError on a bad date or an empty range."""
    today = today or timezone.now().date()
    last = dt.date.fromisoformat(until) if until else today
    first = dt.date.fromisoformat(since) if since else last - dt.timedelta(days=29)
    if first > last:
        raise ValueError("since must not be after until")
    start = dt.datetime(first.year, first.month, first.day, tzinfo=dt.timezone.utc)
    end = dt.datetime(last.year, last.month, last.day, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    return start, end
