"""`python -m generations.simulator [--host 127.0.0.1] [--port 8765]`: the offline Kling upstream."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .config import SimulatorConfig
from .server import serve


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generations.simulator",
        description="Offline simulator of the Kling video API (configured by SIMULATOR_* variables).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    args = parser.parse_args(argv)
    try:
        config = SimulatorConfig.from_env()
    except ValueError as error:
        print(f"simulator: bad configuration: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        serve(config, args.host, args.port, on_listening=lambda url: print(f"simulator listening on {url}", flush=True))
    except OSError as error:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
