"""Simulator configuration, read from SIMULATOR_* environment variables by default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .faults import FaultInjector, parse_faults


@dataclass
class SimulatorConfig:
    # Seconds from create to `succeed` (the task shows `processing` after a fifth of it).
    render_delay_s: float = 3.0
    # When both are set, every API request needs an HS256 JWT signed with secret_key, iss=access_key.
    access_key: str | None = None
    secret_key: str | None = None
    # When set, the Bearer token must equal it exactly (CometAPI style, no JWT).
    api_key: str | None = None
    # Fault probabilities; a spec string such as "rate_limit:0.1,stuck:0.02" is parsed on init.
    faults: dict[str, float] | str = field(default_factory=dict)
    # Seeds the fault RNG and every rendered clip.
    seed: int = 0
    # Frame rate of generated clips; video-extend and lip-sync keep the rate of the video they start from.
    fps: int = 24
    # Where rendered clips are kept; None means a fresh temporary directory per app.
    data_dir: str | None = None
    # How long the `timeout` fault stalls a request.
    timeout_sleep_s: float = 20.0
    # Base of result URLs when the simulator sits behind another address (default: its own address).
    public_url: str | None = None
    # Like a resource pack: tasks holding a slot (submitted/processing) beyond this get 1303. 0 = unlimited.
    concurrency_limit: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.faults, str):
            self.faults = parse_faults(self.faults)
        else:
            FaultInjector(self.faults)  # validates names
            for name, probability in self.faults.items():
                if not 0.0 <= probability <= 1.0:
                    raise ValueError(f"fault {name!r} has probability {probability}, which is outside [0, 1]")
        if self.render_delay_s < 0:
            raise ValueError("render_delay_s cannot be negative")
        if self.fps < 1:
            raise ValueError("fps must be at least 1")
        if self.public_url:
            self.public_url = self.public_url.rstrip("/")

    @property
    def jwt_auth(self) -> bool:
        return bool(self.access_key and self.secret_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SimulatorConfig:
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def number(name: str, default, kind):
            value = text(name)
            if value is None:
                return default
            try:
                return kind(value)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a valid {kind.__name__}") from None

        return cls(
            render_delay_s=number("SIMULATOR_RENDER_DELAY", cls.render_delay_s, float),
            access_key=text("SIMULATOR_ACCESS_KEY"),
            secret_key=text("SIMULATOR_SECRET_KEY"),
            api_key=text("SIMULATOR_API_KEY"),
            faults=parse_faults(env.get("SIMULATOR_FAULTS", "")),
            seed=number("SIMULATOR_SEED", cls.seed, int),
            fps=number("SIMULATOR_FPS", cls.fps, int),
            data_dir=text("SIMULATOR_DATA_DIR"),
            timeout_sleep_s=number("SIMULATOR_TIMEOUT_SLEEP", cls.timeout_sleep_s, float),
            public_url=text("SIMULATOR_PUBLIC_URL"),
            concurrency_limit=number("SIMULATOR_CONCURRENCY_LIMIT", cls.concurrency_limit, int),
        )
