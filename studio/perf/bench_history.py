"""`bench history`: server time of the history page with 100 k generations in one team."""

import random
import statistics
import time
import uuid

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from accounts.actions import do_create_team
from accounts.audit import SYSTEM
from accounts.models import User
from generations.models import Generation
from generations.states import Status

SAMPLE_PROMPTS = [
    "A red fox running through fresh snow", "Neon koi in a rainy street", "A lighthouse in a storm",
    "Cherry blossoms falling in slow motion", "A paper boat on a puddle", "Drone shot over a glacier",
]


def seed(team, user, count, *, batch=5000):
    statuses = [Status.SUCCEEDED] * 8 + [Status.FAILED, Status.BLOCKED]
    made = 0
    rng = random.Random(42)
    while made < count:
        rows = [
            Generation(
                public_id=uuid.uuid4(), team=team, created_by=user, kind="text2video", model_name="kling-v1-6",
                prompt=f"{rng.choice(SAMPLE_PROMPTS)} #{made + n}", status=rng.choice(statuses), stage="done", progress=100,
            )
            for n in range(min(batch, count - made))
        ]
        Generation.objects.bulk_create(rows, batch_size=batch)
        made += len(rows)


def run_history_bench(*, generations=100_000, requests=60):
    with transaction.atomic():
        stamp = uuid.uuid4().hex[:8]
        user = User.objects.create_user(f"bench-{stamp}@example.invalid", password=None)
        team = do_create_team(name=f"Bench {stamp}", slug=f"bench-{stamp}", owner=user, actor=SYSTEM)
        started = time.perf_counter()
        seed(team, user, generations)
        seed_s = time.perf_counter() - started
        client = Client()
        client.force_login(user)
        ids = list(team.generations.order_by("-id").values_list("id", flat=True)[:: max(1, generations // 50)])
        queries = ["/generations/", "/generations/?scope=team", "/generations/?status=failed", "/generations/?q=lighthouse"]
        queries += [f"/generations/?scope=team&before={random.Random(n).choice(ids)}" for n in range(10)]
        timings = []
        with override_settings(DEBUG=False):
            for query in queries:  # warm-up
                client.get(query)
            for n in range(requests):
                query = queries[n % len(queries)]
                begin = time.perf_counter()
                response = client.get(query)
                timings.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200, (query, response.status_code)
        transaction.set_rollback(True)  # leave nothing behind
    timings.sort()
    return {
        "generations": generations,
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "seed_s": round(seed_s, 1),
    }
