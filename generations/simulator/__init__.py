"""The offline Kling upstream: a real HTTP service speaking the contract in shared/KLING_API.md.

Run it with `python -m generations.simulator`, or start one in-process with `start_in_thread(config)`.
No Django here: it is a separate service.
"""

from .app import make_app
from .config import SimulatorConfig
from .server import SimulatorHandle, serve, start_in_thread

__all__ = ["SimulatorConfig", "SimulatorHandle", "make_app", "serve", "start_in_thread"]
