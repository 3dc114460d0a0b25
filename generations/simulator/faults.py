"""Fault injection: which upstream misbehaviours to simulate, and how often.

A fault spec is a comma-separated list of ``name:probability`` pairs, e.g.
``rate_limit:0.1,server_error:0.05``. A bare name means probability 1.0.
"""

from __future__ import annotations

import collections
import random
import threading

# What each fault does is implemented in app.py; the names are the public contract.
FAULT_NAMES = (
    "rate_limit",  # create answers HTTP 429 / code 1303, no task is created
    "server_error",  # create or query answers HTTP 500 / code 5000, no task is created
    "timeout",  # the request stalls for timeout_sleep_s, then answers normally
    "stuck",  # an accepted task stays `processing` forever
    "risk_control",  # an accepted task ends `failed` by the asynchronous moderation
    "bad_json",  # a 200 answer whose body is truncated, invalid JSON
)


def parse_faults(spec: str) -> dict[str, float]:
    """Parse ``"rate_limit:0.1,stuck:1"`` into ``{"rate_limit": 0.1, "stuck": 1.0}``."""
    faults: dict[str, float] = {}
    for raw_item in (spec or "").split(","):
        item = raw_item.strip()
        if not item:
            continue
        name, sep, raw_probability = item.partition(":")
        name = name.strip()
        if name not in FAULT_NAMES:
            raise ValueError(
                f"unknown fault {name!r} in SIMULATOR_FAULTS; known faults: {', '.join(FAULT_NAMES)}"
            )
        if not sep:
            probability = 1.0
        else:
            try:
                probability = float(raw_probability.strip())
            except ValueError:
                raise ValueError(
                    f"fault {name!r} has a probability {raw_probability.strip()!r} that is not a number"
                ) from None
        if not 0.0 <= probability <= 1.0:  # also rejects NaN
            raise ValueError(f"fault {name!r} has probability {probability}, which is outside [0, 1]")
        faults[name] = probability
    return faults


class FaultInjector:
    """Rolls faults with its own seeded RNG so a run with a fixed seed is reproducible."""

    def __init__(self, faults: dict[str, float] | None = None, seed: int = 0):
        self.faults = dict(faults or {})
        unknown = set(self.faults) - set(FAULT_NAMES)
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        # How many times each fault actually fired: a soak shows its faults happened, not just were asked for.
        self.injected: collections.Counter[str] = collections.Counter()

    def set(self, name: str, probability: float) -> None:
        """Change one fault's probability on a running simulator (tests toggle faults mid-scenario)."""
        if name not in FAULT_NAMES:
            raise ValueError(f"unknown fault {name!r}")
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"fault {name!r} has probability {probability}, which is outside [0, 1]")
        with self._lock:
            self.faults[name] = probability

    def roll(self, name: str) -> bool:
        if name not in FAULT_NAMES:
            raise ValueError(f"unknown fault {name!r}")
        with self._lock:
            probability = self.faults.get(name, 0.0)
            if probability <= 0.0:
                return False
            fired = probability >= 1.0 or self._rng.random() < probability
            if fired:
                self.injected[name] += 1
            return fired
