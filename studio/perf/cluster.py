"""The cluster rehearsal: the studio as several machines would run it, on one machine.

PostgreSQL (a throwaway database), Redis, SeaweedFS (S3) and the simulator as the upstream; two gunicorn web
processes and three `studio_worker` processes, each in its own process group, its own working directory and
STUDIO_VAR_DIR, media only on S3, so nothing writable is shared but the database, Redis and the bucket. N
generations of every kind go in over HTTP through both doors (the native API and the Kling-compatible one)
and both web processes. Midway one worker and one web process are SIGKILLed (their whole process groups) and
Redis is restarted; the killed processes are started again as a supervisor would.

What must hold afterwards: every generation terminal, nothing charged twice and the ledger balanced, no
upstream task created twice, every object in the bucket belonging to an Asset row (or to a rendition of one)
and every Asset row's object present, the audit chain verifying.
"""

import base64
import collections
import io
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.test import override_settings
from PIL import Image, ImageDraw

from accounts.actions import do_create_api_key, do_create_team
from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits
from accounts.models import Team, User
from generations.actions.wellness import RENDITION_PREFIX
from generations.catalog import KINDS
from generations.models import Asset, AssetRole, Generation
from generations.simulator import SimulatorConfig, start_in_thread
from generations.states import TERMINAL, Status
from generations.worker.housekeeping import run_housekeeping
from studio.launcher import free_port, http_ok, wait_until
from studio.perf.chaos_soak import FAST, _Redis
from studio.perf.soak import SoakReport, check_invariants
from studio.s3 import SeaweedFS

# Lighter faults than the chaos soak's: the kills and the Redis restart are the point here.
CLUSTER_FAULTS = "rate_limit:0.05,server_error:0.04,timeout:0.02,bad_json:0.02"
# The kinds in submission order; the ones needing a parent clip use a succeeded 5 s kling-v1-6 text→video.
PLAN_KINDS = ("text2video", "image2video", "multi-image2video", "effects", "video-extend", "lip-sync")
PARENT_KINDS = ("video-extend", "lip-sync")
WEB_ARGS = ["--workers", "2", "--threads", "4", "--timeout", "60", "--graceful-timeout", "10"]
QUEUES = ("generations", "moderation", "webhooks", "default")


# --- the bucket ----------------------------------------------------------------------------------------


def bucket_keys(client, bucket):
    keys = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def bucket_orphans(keys, *, asset_names, asset_ids):
    """Compare the bucket's keys with the Asset rows (their file names and public ids): objects no row
    accounts for, and rows whose object is missing. A key under RENDITION_PREFIX/<asset public id>/ is a
    reviewer rendition of that asset (generations/actions/wellness.py) and is accounted for while the asset
    row exists; nothing else is excluded."""
    asset_names, asset_ids = set(asset_names), {str(value) for value in asset_ids}
    without_rows = []
    for key in sorted(keys):
        if key in asset_names:
            continue
        parts = key.removeprefix(RENDITION_PREFIX + "/").split("/") if key.startswith(RENDITION_PREFIX + "/") else []
        if len(parts) >= 2 and parts[0] in asset_ids:
            continue
        without_rows.append(key)
    return {"objects_without_rows": without_rows, "rows_without_objects": sorted(asset_names - set(keys))}


def check_bucket(client, bucket, assets=None):
    assets = Asset.objects.all() if assets is None else assets
    rows = list(assets.values_list("file", "public_id"))
    return bucket_orphans(bucket_keys(client, bucket), asset_names=[name for name, _ in rows if name],
                          asset_ids=[public_id for _, public_id in rows])


# --- processes -----------------------------------------------------------------------------------------


@dataclass
class Proc:
    """One studio process of the cluster: its own directory (cwd, STUDIO_VAR_DIR, log) and process group."""

    name: str
    argv: list
    env: dict
    home: Path
    process: subprocess.Popen | None = None
    starts: int = 0
    kills: int = 0
    exits: int = 0
    seconds: float = 0.0
    accepted: int = 0
    retries: int = 0
    _since: float = 0.0

    def start(self):
        log = open(self.home / "process.log", "ab")
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.starts += 1
        self._since = time.monotonic()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def _ended(self):
        if self._since:
            self.seconds += time.monotonic() - self._since
        self._since = 0.0

    def kill(self):
        """SIGKILL the whole process group (gunicorn's master and its workers alike)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1
        self._ended()

    def reap(self):
        """Note an exit nobody asked for (a worker leaves when Redis goes away); True if it had exited."""
        if self.process is not None and self.process.poll() is not None and self._since:
            self.exits += 1
            self._ended()
            return True
        return False

    def stop(self):
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self._ended()

    def figures(self):
        return {"starts": self.starts, "kills": self.kills, "exits": self.exits, "seconds": round(self.seconds, 1),
                "accepted": self.accepted, "retries": self.retries}


def process_env(home, shared):
    """What one process gets: the shared cluster settings plus its own STUDIO_VAR_DIR, media root and its
    own copy of the signing chain, in its own directory."""
    var = home / "var"
    var.mkdir(parents=True)
    for name in ("chain.pem", "signing-key.pem"):
        shutil.copy2(shared["_provenance"] / name, home / name)
    env = {name: value for name, value in shared.items() if not name.startswith("_")}
    env.update({
        "STUDIO_VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),  # unused with STORAGE=s3; kept inside this process's own directory
        "PROVENANCE_DIR": str(var / "provenance"),
        "PROVENANCE_CERT_CHAIN": str(home / "chain.pem"),
        "PROVENANCE_PRIVATE_KEY": str(home / "signing-key.pem"),
    })
    return env


# --- requests ------------------------------------------------------------------------------------------


def _image(seed):
    image = Image.new("RGB", (640, 480), ((40 + 70 * seed) % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.rectangle((x, 0, x + 18, 480), fill=(230, (60 + 50 * seed) % 256, 60))
    draw.ellipse((213, 120, 426, 360), fill=(250, 240, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def request_for(kind, door, n, parent=None):
    """(path, body) of a create request of `kind` through `door` ("native" or "kling")."""
    prompt = f"cluster clip {n}: a kite over the dunes"
    image, other = _image(n % 5), _image(n % 5 + 1)
    if door == "native":
        body = {
            "text2video": {"prompt": prompt, "model": "kling-v1-6", "duration": "5"},
            "image2video": {"kind": kind, "prompt": prompt, "model": "kling-v1-6", "image": image},
            "multi-image2video": {"kind": kind, "prompt": prompt, "images": [image, other], "aspect_ratio": "1:1"},
            "effects": {"kind": kind, "effect_scene": "squish", "images": [image]},
            "video-extend": {"kind": kind, "prompt": prompt, "parent_id": parent and str(parent.public_id)},
            "lip-sync": {"kind": kind, "parent_id": parent and str(parent.public_id), "text": "Welcome aboard!",
                         "voice_id": "uk_man2"},
        }[kind]
        return "/api/v1/generations", body
    video_id = parent and str(parent.asset(AssetRole.VIDEO).public_id)
    body = {
        "text2video": {"model_name": "kling-v1-6", "prompt": prompt, "duration": "5"},
        "image2video": {"model_name": "kling-v1-6", "prompt": prompt, "image": image},
        "multi-image2video": {"model_name": "kling-v1-6", "prompt": prompt, "image_list": [{"image": image}, {"image": other}]},
        "effects": {"effect_scene": "squish", "input": {"image": image, "duration": "5"}},
        "video-extend": {"prompt": prompt, "video_id": video_id},
        "lip-sync": {"input": {"video_id": video_id, "mode": "text2video", "text": "Welcome aboard!", "voice_id": "uk_man2"}},
    }[kind]
    # The door's own idempotency: a retry of a create that did go in is refused, not made twice.
    body["external_task_id"] = f"cluster-{n}"
    return f"/kling/v1/videos/{kind}", body


def _accepted(door, response, *, retried):
    if door == "native":  # a retry with the same Idempotency-Key answers as the first create did
        return response.status_code == 202
    if retried and "external_task_id already exists" in response.json().get("message", ""):
        return True  # the first attempt went in before its answer was lost
    return response.status_code == 200 and response.json().get("code") == 0


# --- the report ----------------------------------------------------------------------------------------


@dataclass
class ClusterReport(SoakReport):
    database: str = ""
    submitted: int = 0
    rows: int = 0
    refused: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    doors: dict = field(default_factory=dict)
    fallbacks: int = 0
    client_retries: int = 0
    objects_in_bucket: int = 0
    objects_without_rows: list = field(default_factory=list)
    rows_without_objects: list = field(default_factory=list)
    processes: dict = field(default_factory=dict)
    logs_kept: str = ""  # where each process's directory and log stayed, when an invariant broke

    @property
    def ok(self):
        return (
            super().ok
            and self.submitted == self.generations == self.rows
            and not self.objects_without_rows
            and not self.rows_without_objects
        )

    def as_dict(self):
        return {**asdict(self), "ok": self.ok}


# --- the database ---------------------------------------------------------------------------------------


def _require_postgresql():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError(
            "The cluster rehearsal needs PostgreSQL (several machines cannot share SQLite): set DATABASE_URL, e.g. "
            f"postgres://studio:studio@127.0.0.1:5432/studio (the configured database is {database['ENGINE']})."
        )
    return database


def _admin(database, sql):
    import psycopg  # PostgreSQL's driver: loaded only by the rehearsal, which refuses any other database

    with psycopg.connect(host=database["HOST"] or "127.0.0.1", port=database["PORT"] or 5432, user=database["USER"],
                         password=database["PASSWORD"], dbname=database["NAME"], autocommit=True) as conn:
        conn.execute(sql)


def _database_url(database, name):
    return (f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{name}")


# --- the rehearsal --------------------------------------------------------------------------------------


def run_cluster_rehearsal(*, generations=100, time_limit_s=600, faults=CLUSTER_FAULTS, keep=False, log=lambda message: None):
    database = _require_postgresql()
    original_name = database["NAME"]
    name = f"studio_cluster_{secrets.token_hex(4)}"
    _admin(database, f'CREATE DATABASE "{name}"')
    root = Path(tempfile.mkdtemp(prefix="studio-cluster-"))
    redis_server = _Redis(free_port(), str(root))
    weed = SeaweedFS(root / "seaweedfs", free_port=free_port)
    procs = []
    try:
        connections["default"].close()
        database["NAME"] = name
        subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "migrate", "-v0"], check=True,
                       env={**os.environ, "DATABASE_URL": _database_url(database, name)}, cwd=root)
        log(f"database {name} migrated")
        redis_server.start()
        weed.start()
        report = _rehearse(root, redis_server, weed, procs, generations=generations, time_limit_s=time_limit_s,
                           faults=faults, database_url=_database_url(database, name), log=log)
        if not report.ok:
            keep, report.logs_kept = True, str(root)
        return report
    finally:
        for proc in procs:
            proc.stop()
        redis_server.stop()
        weed.stop()
        connections["default"].close()
        database["NAME"] = original_name
        _admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _rehearse(root, redis_server, weed, procs, *, generations, time_limit_s, faults, database_url, log):
    import boto3  # the S3 client: loaded only when the rehearsal runs, like the rest of its S3 work

    report = ClusterReport(generations=generations, faults=faults, database="postgresql")
    redis_url = f"redis://127.0.0.1:{redis_server.port}/0"
    backend = weed.backend()
    s3 = boto3.client("s3", endpoint_url=weed.endpoint_url, aws_access_key_id=weed.ACCESS_KEY,
                      aws_secret_access_key=weed.SECRET_KEY, region_name="us-east-1")
    provenance = root / "provenance"
    config = SimulatorConfig(render_delay_s=0.05, faults=faults, seed=23, data_dir=str(root / "simulator"), timeout_sleep_s=1.5)
    (root / "simulator").mkdir()
    fast_here = {name: type(getattr(settings, name))(value) if name != "STUDIO_PUBLIC_URL" else value
                 for name, value in FAST.items() if name != "LOG_LEVEL"}
    with start_in_thread(config) as upstream, override_settings(
        RQ_QUEUES={name: {"URL": redis_url, "DEFAULT_TIMEOUT": 120} for name in settings.GENERATION_QUEUES},
        PROVIDER="simulator", SIMULATOR_URL=upstream.url, STORAGE="s3", S3_DOWNLOADS="presigned",
        STORAGES={**settings.STORAGES, "default": backend}, PROVENANCE_CERT_CHAIN="", PROVENANCE_PRIVATE_KEY="",
        API_KEY_RATE_PER_MINUTE=0, **fast_here,
    ):
        # Made with this process's settings in force (the override above), never at import time.
        from generations.provenance.credentials import ensure_signing_chain

        ensure_signing_chain(provenance)  # once; every process gets its own copy of the files
        shared = {
            "PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", str(root)),
            "PYTHONPATH": str(settings.BASE_DIR), "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "studio.settings",
            "DEBUG": "false", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "SECRET_KEY": settings.SECRET_KEY, "API_KEY_PEPPER": settings.API_KEY_PEPPER,
            "AUDIT_CHECKPOINT_KEY": settings.AUDIT_CHECKPOINT_KEY, "AUDIT_CHECKPOINT_KEY_ID": settings.AUDIT_CHECKPOINT_KEY_ID,
            "PROVENANCE_WATERMARK_KEY": secrets.token_hex(32), "PROVENANCE_INSTALL_ID": secrets.token_hex(2),
            "PROVIDER": "simulator", "SIMULATOR_URL": upstream.url,
            "STORAGE": "s3", "S3_BUCKET": weed.bucket, "S3_ENDPOINT_URL": weed.endpoint_url,
            "S3_ACCESS_KEY_ID": weed.ACCESS_KEY, "S3_SECRET_ACCESS_KEY": weed.SECRET_KEY, "S3_REGION": "us-east-1",
            "API_KEY_RATE_PER_MINUTE": "0", "SCAN_ONNX_INTRA_OP_THREADS": "1", **FAST,
            "_provenance": provenance,
        }
        with override_settings(PROVENANCE_WATERMARK_KEY=shared["PROVENANCE_WATERMARK_KEY"],
                               PROVENANCE_INSTALL_ID=shared["PROVENANCE_INSTALL_ID"]):
            return _run(root, redis_server, upstream, s3, weed, procs, shared, report,
                        generations=generations, time_limit_s=time_limit_s, log=log)


def _team(generations):
    stamp = int(time.time() * 1000)
    user = User.objects.create_user(f"cluster-{stamp}@example.invalid", password=None)
    team = do_create_team(name=f"Cluster {stamp}", slug=f"cluster-{stamp}", owner=user, actor=SYSTEM)
    Team.objects.filter(pk=team.pk).update(max_concurrent_generations=generations)
    team.refresh_from_db()
    do_grant_credits(team, 100 * generations, reason="cluster rehearsal budget")
    _, raw_key = do_create_api_key(team=team, user=user, name="cluster rehearsal", actor=SYSTEM)
    return team, raw_key


def _parent(team, wait_s=30):
    """A succeeded 5 s kling-v1-6 text→video clip of the team's to extend or lip-sync (None if none comes)."""
    deadline = time.monotonic() + wait_s
    while True:
        parent = (Generation.objects.filter(team=team, kind="text2video", model_name="kling-v1-6", duration="5",
                                            status=Status.SUCCEEDED, assets__role=AssetRole.VIDEO,
                                            assets__quarantined=False).order_by("?").first())
        if parent is not None or time.monotonic() > deadline:
            return parent
        time.sleep(0.5)


def _run(root, redis_server, upstream, s3, weed, procs, shared, report, *, generations, time_limit_s, log):
    python, manage = sys.executable, str(settings.BASE_DIR / "manage.py")
    webs, workers = [], []
    for n in (1, 2):
        home = root / f"web-{n}"
        home.mkdir()
        port = free_port()
        argv = [python, "-m", "gunicorn", "studio.wsgi:application", "--bind", f"127.0.0.1:{port}", *WEB_ARGS,
                "--log-level", "warning"]
        web = Proc(f"web-{n}", argv, process_env(home, shared), home)
        web.url = f"http://127.0.0.1:{port}"
        webs.append(web)
    for n in (1, 2, 3):
        home = root / f"worker-{n}"
        home.mkdir()
        workers.append(Proc(f"worker-{n}", [python, manage, "studio_worker", *QUEUES, "--with-scheduler"],
                            process_env(home, shared), home))
    procs.extend(webs + workers)
    started = time.monotonic()
    for proc in procs:
        proc.start()
    for web in webs:
        wait_until(lambda web=web: http_ok(f"{web.url}/healthz"), timeout_s=90, what=web.name)
    log(f"cluster up in {time.monotonic() - started:.1f} s: {', '.join(proc.name for proc in procs)}")

    team, raw_key = _team(generations)
    headers = {"Authorization": f"Bearer {raw_key}"}
    rows = Generation.objects.filter(team=team)
    kill_at, web_back_at = generations // 2, generations // 2 + max(4, generations // 10)
    killed_web = None
    chaos = []

    def supervise():
        for worker in workers:
            if worker.reap() or not worker.alive():
                worker.start()
                chaos.append(f"{worker.name} restarted (start {worker.starts})")

    kinds, doors, refused = collections.Counter(), collections.Counter(), collections.Counter()
    with httpx.Client(timeout=60) as client:
        for n in range(generations):
            if n == kill_at:
                victim_worker, killed_web = workers[0], webs[0]
                victim_worker.kill()
                killed_web.kill()
                chaos.append(f"SIGKILL {victim_worker.name} and {killed_web.name} process groups at submission {n}, "
                             f"{rows.filter(status__in=TERMINAL).count()} terminal")
                redis_server.stop()
                time.sleep(1)
                redis_server.start()
                chaos.append(f"Redis restarted at submission {n}")
                log("; ".join(chaos[-2:]))
            if killed_web is not None and n == web_back_at:
                killed_web.start()
                back = f"{killed_web.url}/healthz"
                wait_until(lambda back=back: http_ok(back), timeout_s=90, what=killed_web.name)
                chaos.append(f"{killed_web.name} restarted at submission {n}")
                killed_web = None
            supervise()
            kind = PLAN_KINDS[n % len(PLAN_KINDS)]
            door = ("native", "kling")[(n // len(PLAN_KINDS)) % 2]
            parent = None
            if kind in PARENT_KINDS:
                parent = _parent(team)
                if parent is None:  # no clip to build on yet: a plain text→video instead, counted
                    kind, report.fallbacks = "text2video", report.fallbacks + 1
            path, body = request_for(kind, door, n, parent)
            request_headers = {**headers, "Idempotency-Key": f"cluster-{n}"} if door == "native" else headers
            web = webs[n % 2]
            attempt = 0
            for attempt in range(20):
                try:
                    response = client.post(f"{web.url}{path}", json=body, headers=request_headers)
                except httpx.TransportError:  # the process is gone: a client tries the other web process
                    response = None
                if response is not None and response.status_code < 500:
                    break
                web.retries += 1
                report.client_retries += 1
                web = webs[(webs.index(web) + 1) % 2]
                time.sleep(min(2.0, 0.2 * (attempt + 1)))
            if response is not None and _accepted(door, response, retried=attempt > 0):
                web.accepted += 1
                report.submitted += 1
                kinds[kind] += 1
                doors[door] += 1
            else:
                refused[f"{kind}/{door}: {response.status_code if response is not None else 'no answer'}"] += 1
                if response is not None:
                    log(f"refused {kind} via {door}: {response.text[:300]}")
        log(f"submitted {report.submitted}/{generations}")

        while time.monotonic() - started < time_limit_s:
            if killed_web is not None:
                killed_web.start()
                chaos.append(f"{killed_web.name} restarted after the submissions")
                killed_web = None
            done = rows.filter(status__in=TERMINAL).count()
            if done == rows.count():
                break
            supervise()
            time.sleep(1)
            run_housekeeping()  # as the reconciler process would: requeue what Redis lost, sign checkpoints
            log(f"{done}/{rows.count()} terminal")
    report.duplicated_upstream = sum(
        count - 1
        for kind in KINDS
        for count in collections.Counter(
            task["task_info"].get("external_task_id") for task in upstream.app.store.page(kind, 1, 100_000)
        ).values()
        if count > 1
    )
    report.faults_injected = dict(upstream.app.faults.injected)
    for proc in procs:
        proc.stop()
    report.rows = rows.count()
    report.kinds, report.doors, report.refused = dict(kinds), dict(doors), dict(refused)
    bucket = check_bucket(s3, weed.bucket)
    report.objects_in_bucket = len(bucket_keys(s3, weed.bucket))
    report.objects_without_rows, report.rows_without_objects = bucket["objects_without_rows"], bucket["rows_without_objects"]
    report.processes = {proc.name: proc.figures() for proc in procs}
    report.chaos = chaos
    return check_invariants(report, team, started=started)
