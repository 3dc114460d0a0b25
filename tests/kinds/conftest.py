"""Fixtures the kind tests share: the studio wired to a simulator through either provider, and a provider
client speaking straight to a simulator (the contract tests)."""

import pytest

from generations.moderation.visual import minors
from generations.providers.kling import JwtAuth, KlingClient
from generations.simulator import SimulatorConfig, start_in_thread
from generations.worker import pipeline

ACCESS, SECRET, COMET_KEY = "ak-kinds-test", "sk-secret-kinds-0123456789abcdef", "sk-comet-kinds-test"


@pytest.fixture(params=["kling", "cometapi"])
def provider(request, settings, tmp_path, monkeypatch, redis_conn):
    """The studio's upstream is a simulator that demands the provider's own auth (JWT, or Bearer sk-)."""
    monkeypatch.setattr(pipeline, "sleep", lambda seconds: None)
    if request.param == "kling":
        handle = start_in_thread(SimulatorConfig(render_delay_s=0.1, access_key=ACCESS, secret_key=SECRET, data_dir=str(tmp_path)))
        settings.KLING_API_BASE, settings.KLING_ACCESS_KEY, settings.KLING_SECRET_KEY = handle.url, ACCESS, SECRET
    else:
        handle = start_in_thread(SimulatorConfig(render_delay_s=0.1, api_key=COMET_KEY, data_dir=str(tmp_path)))
        settings.COMETAPI_BASE, settings.COMETAPI_KEY = handle.url, COMET_KEY
    settings.PROVIDER = request.param
    yield request.param
    handle.stop()


@pytest.fixture
def upstream(tmp_path):
    """The Kling provider client against a simulator of its own."""
    handle = start_in_thread(SimulatorConfig(render_delay_s=0.05, access_key=ACCESS, secret_key=SECRET, data_dir=str(tmp_path)))
    yield KlingClient(name="simulator", base_url=handle.url, auth=JwtAuth(ACCESS, SECRET))
    handle.stop()


@pytest.fixture
def faces_read_as_children(monkeypatch):
    """Every face the real age estimator finds reads as a nine-year-old (the estimator still finds the faces)."""
    real = minors.estimate_ages
    monkeypatch.setattr(minors, "estimate_ages", lambda *a, **kw: [
        face.__class__(**{**face.__dict__, "age": 9.0}) for face in real(*a, **kw)])
