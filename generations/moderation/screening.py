"""Prompt screening. For now a pass-through with the final decision shape; the screening issue fills in
the detectors. Every decision records the engine and its version so it can be replayed."""

from dataclasses import dataclass, field

ALLOW = "allow"
REVIEW = "review"
BLOCK = "block"


@dataclass(frozen=True)
class ScreeningDecision:
    decision: str
    categories: dict = field(default_factory=dict)
    reasons: tuple = ()
    engine: str = "passthrough"
    engine_version: str = "0"
    policy_version: str = "0"

    def as_audit(self):
        return {
            "decision": self.decision,
            "categories": self.categories,
            "reasons": list(self.reasons),
            "engine": self.engine,
            "engine_version": self.engine_version,
            "policy_version": self.policy_version,
        }


def screen_prompt(prompt: str, negative_prompt: str = "", *, user=None) -> ScreeningDecision:
    return ScreeningDecision(decision=ALLOW, reasons=("no screening engine is configured yet",))
