"""Screening policies: versioned per-category thresholds, and the pure rule that turns scores into a decision.

A policy never looks at text. Detectors produce scores; a policy compares them with its thresholds. So a
recorded decision can be replayed under any policy (`decide(audit["categories"], policy)`), and a shadow
policy can be evaluated on the same scores for free.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field

ALLOW = "allow"
REVIEW = "review"
BLOCK = "block"
SEVERITY = {ALLOW: 0, REVIEW: 1, BLOCK: 2}

CATEGORIES = ("sexual", "sexual_minors", "violence", "self_harm", "deepfake", "illegal", "political", "injection")
HARMFUL = ("sexual", "sexual_minors", "violence", "self_harm", "deepfake", "illegal")

NEVER = 1.01  # a block threshold no score reaches: the category can hold a prompt but not block it


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    thresholds: dict  # category -> (review, block)
    # Reaching the review threshold of these blocks outright.
    always_block: tuple = ("sexual_minors",)
    # Reaching the review threshold of these also puts the decision in front of a human.
    human_review: tuple = ("sexual_minors",)
    negative_terms: tuple = ()
    negative_terms_by_category: dict = field(default_factory=dict)

    @property
    def label(self):
        return f"{self.name}@{self.version}"

    def threshold(self, category):
        return self.thresholds.get(category, (NEVER, NEVER))

    def as_audit(self):
        return {
            "name": self.name,
            "version": self.version,
            "thresholds": {cat: {"review": r, "block": b} for cat, (r, b) in self.thresholds.items()},
            "always_block": list(self.always_block),
            "human_review": list(self.human_review),
        }


_NEGATIVE_TERMS = (
    "nudity", "nsfw", "sexual content", "exposed genitals", "gore", "blood", "graphic violence",
    "dismemberment", "self-harm", "weapons pointed at people", "real person likeness",
)
_NEGATIVE_BY_CATEGORY = {
    "sexual": ("cleavage", "lingerie", "see-through clothing", "suggestive pose"),
    "violence": ("wounds", "injuries", "corpses", "severed limbs"),
    "self_harm": ("cuts on skin", "scars", "suicide"),
    "deepfake": ("celebrity face", "face swap", "identifiable real person"),
    "illegal": ("drugs", "drug paraphernalia", "explosives", "bomb-making"),
    "political": ("political symbols", "campaign imagery", "national flags"),
    "sexual_minors": ("children", "childlike features"),
}

DEFAULT = Policy(
    name="default",
    version="2026.1",
    thresholds={
        "sexual": (0.40, 0.70),
        "sexual_minors": (0.50, 0.50),
        "violence": (0.40, 0.70),
        "self_harm": (0.40, 0.65),
        "deepfake": (0.40, 0.70),
        "illegal": (0.40, 0.75),
        "political": (0.40, NEVER),
        "injection": (0.40, 0.80),
    },
    negative_terms=_NEGATIVE_TERMS,
    negative_terms_by_category=_NEGATIVE_BY_CATEGORY,
)

# For restricted users (the penalty box): everything holds sooner and blocks sooner.
STRICT = Policy(
    name="strict",
    version="2026.1",
    thresholds={
        "sexual": (0.25, 0.55),
        "sexual_minors": (0.30, 0.30),
        "violence": (0.25, 0.55),
        "self_harm": (0.25, 0.50),
        "deepfake": (0.25, 0.55),
        "illegal": (0.25, 0.60),
        "political": (0.30, NEVER),
        "injection": (0.30, 0.60),
    },
    negative_terms=_NEGATIVE_TERMS,
    negative_terms_by_category=_NEGATIVE_BY_CATEGORY,
)

POLICIES = {DEFAULT.name: DEFAULT, STRICT.name: STRICT}


def get_policy(name=None, *, strict=False):
    """The named policy (default: "default"); `strict=True` always means the strict one."""
    if strict:
        return STRICT
    if name is None:
        return DEFAULT
    if isinstance(name, Policy):
        return name
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"Unknown screening policy {name!r}; known: {', '.join(sorted(POLICIES))}") from None


@dataclass(frozen=True)
class Verdict:
    decision: str
    levels: dict  # category -> ALLOW | REVIEW | BLOCK, only categories that reached review
    needs_human: bool
    top_category: str | None


def _tier(category, policy):
    """Which category names the decision when several reach the same level: the always-blocking ones, then a
    real person's likeness, then the content itself; an injection or a political figure only when alone."""
    if category in policy.always_block:
        return 3
    if category == "deepfake":
        return 2
    if category in ("injection", "political"):
        return 0
    return 1


def decide(scores, policy=DEFAULT):
    """Pure: per-category scores and a policy in, a verdict out."""
    levels = {}
    needs_human = False
    top, top_margin = None, None
    for category in CATEGORIES:
        score = scores.get(category, 0.0)
        review, block = policy.threshold(category)
        if score >= block:
            level = BLOCK
        elif score >= review:
            level = BLOCK if category in policy.always_block else REVIEW
        else:
            continue
        levels[category] = level
        if category in policy.human_review:
            needs_human = True
        margin = (SEVERITY[level], _tier(category, policy), score - review)
        if top_margin is None or margin > top_margin:
            top, top_margin = category, margin
    decision = max(levels.values(), key=SEVERITY.__getitem__, default=ALLOW)
    if decision == REVIEW:
        needs_human = True
    return Verdict(decision=decision, levels=levels, needs_human=needs_human, top_category=top)


def negative_prompt_for(decision_or_policy=None):
    """The negative prompt sent upstream: the policy's standing terms, plus terms for any category the
    decision saw a signal in (a held-then-approved prompt is still steered away from what held it)."""
    scores = {}
    policy = decision_or_policy
    if policy is None:
        policy = DEFAULT
    elif not isinstance(policy, Policy):
        scores = getattr(decision_or_policy, "categories", {}) or {}
        policy = POLICIES.get(getattr(decision_or_policy, "policy_name", ""), DEFAULT)
    terms = list(policy.negative_terms)
    for category in CATEGORIES:
        if scores.get(category, 0.0) >= 0.2:
            terms.extend(policy.negative_terms_by_category.get(category, ()))
    return ", ".join(dict.fromkeys(terms))


class ShadowCounter:
    """Counts how often a shadow policy disagrees with the active one (thread-safe, in-process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = Counter()

    def record(self, active, shadow, active_decision, shadow_decision):
        key = (active, shadow, active_decision, shadow_decision)
        with self._lock:
            self._counts[("total", active, shadow)] += 1
            if active_decision != shadow_decision:
                self._counts[key] += 1

    def disagreements(self, active=None, shadow=None):
        """{(active decision, shadow decision): count} for one pair of policies (or all pairs)."""
        out = Counter()
        with self._lock:
            for key, count in self._counts.items():
                if key[0] == "total":
                    continue
                if (active is None or key[0] == active) and (shadow is None or key[1] == shadow):
                    out[(key[2], key[3])] += count
        return dict(out)

    def total(self, active=None, shadow=None):
        with self._lock:
            return sum(
                count
                for key, count in self._counts.items()
                if key[0] == "total" and (active is None or key[1] == active) and (shadow is None or key[2] == shadow)
            )

    def reset(self):
        with self._lock:
            self._counts.clear()


SHADOW = ShadowCounter()
