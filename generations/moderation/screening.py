"""Prompt screening: `screen_prompt` turns a prompt into an allow / review / block decision.

Synchronous, in the request, pure Python (budget: 2 ms p99 for the default local stack; see
`manage.py bench screening`). The pipeline:

    normalize (normalize.py) -> detectors (detectors.py) -> optional remote engines (remote.py)
    -> escalation memory (escalation.py) -> policy thresholds (policy.py) -> explanation (explain.py)

Every decision records the engines and their versions, the policy and its thresholds, the raw scores of each
detector and the matched spans, so `decision.as_audit()` is enough to replay it (`replay(audit)`).

Settings (all optional, read with defaults): SCREENING_POLICY, SCREENING_SHADOW_POLICY,
SCREENING_REMOTE_ENGINES, SCREENING_REMOTE_FAILURE_MODE, SCREENING_ESCALATION_WINDOW_S, and the remote
engines' own settings (see remote.py).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from . import explain
from .detectors import DetectorResult, MinorSexualRule, RealPersonRule, analyze, rounded, warm_up
from .escalation import DEFAULT_WINDOW, EscalationSignal, PriorPrompt, escalation_signal
from .normalize import VERSION as NORMALIZE_VERSION
from .policy import (
    ALLOW,
    BLOCK,
    CATEGORIES,
    DEFAULT,
    POLICIES,
    REVIEW,
    SEVERITY,
    SHADOW,
    STRICT,
    Policy,
    decide,
    get_policy,
    negative_prompt_for,
)
from .remote import FAIL_CLOSED, RemoteEngineError, configured_engines, failure_mode

ENGINE = "prompt-screen"
ENGINE_VERSION = "1"

__all__ = [
    "ALLOW", "REVIEW", "BLOCK", "CATEGORIES", "DEFAULT", "STRICT", "POLICIES", "Policy", "PriorPrompt",
    "EscalationSignal", "ScreeningDecision", "screen_prompt", "escalation_signal", "negative_prompt_for",
    "replay", "SHADOW", "warm_up",
]


@dataclass(frozen=True)
class ScreeningDecision:
    decision: str
    categories: dict = field(default_factory=dict)
    reasons: tuple = ()
    engine: str = "passthrough"
    engine_version: str = "0"
    policy_version: str = "0"
    policy_name: str = ""
    thresholds: dict = field(default_factory=dict)
    engines: tuple = ()  # ((name, version), ...) in the order they ran
    raw_scores: dict = field(default_factory=dict)  # detector name -> {category: score}
    spans: tuple = ()  # evidence dicts: detector, rule, categories, view, span, text
    views_fired: tuple = ()
    needs_human: bool = False
    top_category: str | None = None
    escalation: dict | None = None
    remote_failures: tuple = ()
    shadow: dict | None = None
    strict: bool = False
    user_message: str = ""
    suggestion: str = ""

    @property
    def blocked(self):
        return self.decision == BLOCK

    @property
    def held(self):
        return self.decision == REVIEW

    def as_audit(self):
        """Everything needed to explain and replay the decision, as JSON-able values."""
        return {
            "decision": self.decision,
            "categories": dict(self.categories),
            "reasons": list(self.reasons),
            "engine": self.engine,
            "engine_version": self.engine_version,
            "policy": self.policy_name,
            "policy_version": self.policy_version,
            "thresholds": {cat: {"review": r, "block": b} for cat, (r, b) in self.thresholds.items()},
            "engines": [{"name": name, "version": version} for name, version in self.engines],
            "raw_scores": {name: dict(scores) for name, scores in self.raw_scores.items()},
            "spans": [dict(span) for span in self.spans],
            "views_fired": list(self.views_fired),
            "needs_human": self.needs_human,
            "top_category": self.top_category,
            "escalation": self.escalation,
            "remote_failures": [dict(f) for f in self.remote_failures],
            "shadow": self.shadow,
            "strict": self.strict,
        }


def _setting(name, default):
    try:
        from django.conf import settings

        return getattr(settings, name, default)
    except Exception:  # settings not configured (a bare script): defaults that run offline
        return default


def user_is_restricted(user):
    """Users in the penalty box get the strict policy. Reads what the standing feature exposes, if anything."""
    if user is None:
        return False
    if getattr(user, "screening_strict", False):
        return True
    standing = getattr(user, "standing", None)
    standing = getattr(standing, "level", standing)
    standing = getattr(standing, "value", standing)
    return isinstance(standing, str) and standing.lower() in {"restricted"}


def _reasons(verdict, scores, policy, results):
    out = []
    for category, level in verdict.levels.items():
        review, block = policy.threshold(category)
        limit = block if scores[category] >= block else review
        out.append(f"{category} {scores[category]:.2f} reached {level} threshold {limit:.2f}")
    seen = set(out)
    for result in results:
        for reason in result.reasons:
            if reason not in seen:
                seen.add(reason)
                out.append(reason)
    return tuple(out)


def screen_prompt(prompt, negative_prompt="", *, user=None, history=(), strict=False, has_face_input=False,
                  policy=None, shadow_policy=None, engines=None, now=None) -> ScreeningDecision:
    """Screen one prompt (and its negative prompt).

    history: the same user's recent prior prompts, newest last (PriorPrompt, dicts with the same keys, or
    strings). strict / a restricted user: the strict policy. has_face_input: the caller saw a face in an
    uploaded image. engines: extra detectors (default: the remote engines configured in settings, none by
    default). policy / shadow_policy: a Policy or a registered name (default from settings)."""
    strict = bool(strict) or user_is_restricted(user)
    active = get_policy(policy or _setting("SCREENING_POLICY", None), strict=strict)
    engines = configured_engines() if engines is None else tuple(engines)

    ctx = analyze(prompt, negative_prompt, has_face_input=has_face_input)
    failures = []
    if engines:
        for engine in engines:
            try:
                ctx.merge(engine.detect(ctx))
            except RemoteEngineError as exc:
                failures.append({"engine": engine.name, "error": exc.message, "code": exc.code,
                                 "mode": failure_mode()})
        # Remote scores can complete a pattern the local rules look for.
        for rule in (MinorSexualRule(), RealPersonRule()):
            ctx.merge(rule.detect(ctx))

    signal = EscalationSignal()
    alone = decide(rounded(ctx.scores), active).decision
    if history:
        window = timedelta(seconds=_setting("SCREENING_ESCALATION_WINDOW_S", DEFAULT_WINDOW.total_seconds()))
        signal = escalation_signal(prompt, history, scores=ctx.scores, tags=ctx.tags, has_face_input=has_face_input,
                                   now=now, policy=active, window=window)
        if signal:
            ctx.merge(DetectorResult("escalation", "1", signal.scores, (), signal.reasons))

    scores = rounded(ctx.scores)
    verdict = decide(scores, active)
    decision, top, needs_human = verdict.decision, verdict.top_category, verdict.needs_human
    reasons = _reasons(verdict, scores, active, ctx.results)
    remote_unavailable = False
    if failures and failure_mode() == FAIL_CLOSED and decision == ALLOW:
        decision, needs_human, remote_unavailable = REVIEW, True, True
        reasons += ("a remote engine failed and the policy is fail-closed: held for review",)

    shadow = None
    shadow_name = shadow_policy or _setting("SCREENING_SHADOW_POLICY", None)
    if shadow_name:
        shadow_policy_obj = get_policy(shadow_name)
        shadow_decision = decide(scores, shadow_policy_obj).decision
        SHADOW.record(active.label, shadow_policy_obj.label, decision, shadow_decision)
        shadow = {"policy": shadow_policy_obj.label, "decision": shadow_decision, "agrees": shadow_decision == decision}

    evidence = [ev for result in ctx.results for ev in result.evidence]
    views_fired = tuple(sorted({ev.view for ev in evidence if ev.categories}))
    escalated = bool(signal) and SEVERITY[alone] < SEVERITY[decision]
    return ScreeningDecision(
        decision=decision,
        categories=scores,
        reasons=reasons,
        engine=ENGINE,
        engine_version=ENGINE_VERSION,
        policy_version=active.version,
        policy_name=active.name,
        thresholds=dict(active.thresholds),
        engines=(("normalize", NORMALIZE_VERSION),) + tuple(
            dict.fromkeys((result.name, result.version) for result in ctx.results)
        ),
        raw_scores={result.name: {k: round(v, 3) for k, v in result.scores.items()} for result in ctx.results},
        spans=tuple(ev.as_dict() for ev in evidence),
        views_fired=views_fired,
        needs_human=needs_human,
        top_category=top,
        escalation=signal.as_audit() if signal else None,
        remote_failures=tuple(failures),
        shadow=shadow,
        strict=strict,
        user_message=explain.user_message(decision, top, escalated=escalated, remote_unavailable=remote_unavailable),
        suggestion=explain.suggestion(decision, top, remote_unavailable=remote_unavailable),
    )


def replay(audit, policy=None):
    """Re-apply a policy (default: the recorded thresholds) to the recorded scores of an audit dict."""
    if policy is None:
        thresholds = {cat: (t["review"], t["block"]) for cat, t in audit["thresholds"].items()}
        base = POLICIES.get(audit.get("policy"), DEFAULT)
        policy = Policy(name=base.name, version=audit.get("policy_version", base.version), thresholds=thresholds,
                        always_block=base.always_block, human_review=base.human_review)
    else:
        policy = get_policy(policy)
    return decide(audit["categories"], policy).decision
