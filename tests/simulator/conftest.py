"""Fixtures for the simulator tests: real loopback HTTP, no Django."""

from __future__ import annotations

from pathlib import Path

import pytest

from generations.simulator import SimulatorConfig, start_in_thread
from tests.simulator.helpers import LoopbackServer, api_client

HERE = Path(__file__).resolve().parent
SERVER_FIXTURES = {"start_simulator", "simulator", "client"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(items):
    """A test here that starts a simulator server (loopback HTTP, real renders) is e2e; the validation, fault and
    render tables that call the simulator's functions directly stay in `make test-fast`."""
    for item in items:
        if item.path.is_relative_to(HERE) and SERVER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def start_simulator(tmp_path):
    """Start simulators with config overrides (render_delay_s defaults to 0); all stop at teardown."""
    handles = []

    def start(**overrides):
        overrides.setdefault("render_delay_s", 0.0)
        overrides.setdefault("data_dir", str(tmp_path / f"sim-{len(handles)}"))
        handle = start_in_thread(SimulatorConfig(**overrides))
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def simulator(start_simulator):
    return start_simulator()


@pytest.fixture
def client(simulator):
    with api_client(simulator) as client:
        yield client


@pytest.fixture
def loopback():
    server = LoopbackServer()
    yield server
    server.stop()
