"""`bench review`: the server's time per human decision: opening a held item's page, then deciding it.

A moderator works through `n` held generations (prompt, input and output holds of several categories) with
the Django test client, the way the portal does it: GET the item page, POST approve or reject with a preset
reason. Each request runs the whole stack (middleware, session, view, action, audit chain, messages).
Everything happens inside a transaction that is rolled back, so it leaves nothing behind; the jobs an
approval would enqueue are on-commit hooks and never run.
"""

import statistics
import time
import uuid

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from accounts.actions import do_create_team
from accounts.audit import SYSTEM
from accounts.models import User
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Generation

HOLDS = (
    ("prompt", {"political": 0.62}, "A crowd at a rally waving flags #{n}"),
    ("prompt", {"sexual": 0.55}, "A lingerie photoshoot on a beach #{n}"),
    ("input", {"violence": 0.5}, "Animate this photo of a boxing match #{n}"),
    ("output", {"self_harm": 0.45}, "A lonely figure on a bridge at night #{n}"),
)


def _held(team, user, n):
    stage, categories, prompt = HOLDS[n % len(HOLDS)]
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt.format(n=n), model_name="kling-v1-6", mode="std", status="held",
        stage=stage, screening_result={"decision": "review", "categories": categories},
    )
    return do_open_review_for_held(generation, stage=stage, categories=categories)


def _percentile(sorted_ms, share):
    return round(sorted_ms[max(0, int(len(sorted_ms) * share + 0.5) - 1)], 2)


def _figures(timings):
    timings = sorted(timings)
    return {"p50_ms": round(statistics.median(timings), 2), "p95_ms": _percentile(timings, 0.95),
            "p99_ms": _percentile(timings, 0.99), "max_ms": round(timings[-1], 2)}


def run_review_bench(n=200) -> dict:
    """Open and decide `n` held items as one moderator; the server time of each step and of the pair."""
    with transaction.atomic():
        stamp = uuid.uuid4().hex[:8]
        author = User.objects.create_user(f"bench-author-{stamp}@example.invalid", password=None)
        moderator = User.objects.create_user(f"bench-mod-{stamp}@example.invalid", password=None, is_moderator=True)
        team = do_create_team(name=f"Bench {stamp}", slug=f"bench-{stamp}", owner=author, actor=SYSTEM)
        items = [_held(team, author, index) for index in range(n + 5)]
        client = Client()
        client.force_login(moderator)
        page_ms, decide_ms, pair_ms = [], [], []
        with override_settings(DEBUG=False):
            for index, item in enumerate(items):
                warm_up = index < 5
                begin = time.perf_counter()
                page = client.get(f"/moderation/items/{item.public_id}/")
                opened = time.perf_counter()
                decided = client.post(f"/moderation/items/{item.public_id}/decide/", {
                    "action": "approve" if index % 2 else "reject", "preset": "" if index % 2 else "not_allowed",
                    "reason": "", "version": str(item.version),
                })
                end = time.perf_counter()
                assert page.status_code == 200, (page.status_code, item.public_id)
                assert decided.status_code == 302, (decided.status_code, item.public_id)
                item.refresh_from_db(fields=["decision"])
                assert item.decision in ("approved", "rejected"), (item.public_id, item.decision)
                if not warm_up:
                    page_ms.append((opened - begin) * 1000)
                    decide_ms.append((end - opened) * 1000)
                    pair_ms.append((end - begin) * 1000)
        transaction.set_rollback(True)  # leave nothing behind
    return {
        "decisions": len(decide_ms),
        "decide": _figures(decide_ms),
        "item_page": _figures(page_ms),
        "per_decision": _figures(pair_ms),
        "goal_p95_ms": 50,
    }
