"""Helpers shared by tests: running real RQ workers, waiting for generations."""

import django_rq
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.utils import timezone

from accounts.models import CreditEntry
from generations.models import Asset, CreditState, Generation
from generations.simulator.render import render_clip
from generations.states import TERMINAL
from generations.worker.burst import BurstWorker


def run_workers(queue_names=("generations", "moderation", "webhooks", "default"), *, max_rounds=50, jobs_per_round=10):
    """Run a real rq worker (BurstWorker) in burst mode until the queues are empty (jobs may enqueue follow-ups).

    Bounded: a job that re-enqueues itself forever fails the test instead of hanging it.
    """
    queues = [django_rq.get_queue(name) for name in queue_names]
    for _ in range(max_rounds):
        if not any(queue.count for queue in queues):
            return
        BurstWorker(queues, connection=queues[0].connection).work(burst=True, max_jobs=jobs_per_round)
    raise AssertionError(f"the queues did not drain within {max_rounds * jobs_per_round} jobs")


def drive_to_terminal(generation_id, *, max_rounds=50):
    run_workers(max_rounds=max_rounds)
    generation = Generation.objects.get(public_id=generation_id)
    assert generation.status in TERMINAL, f"generation stuck in {generation.status}"
    return generation


def constant_score_detector(score, category="sexual"):
    """A frame detector that scores every frame it is shown the same: the simplest honest stand-in for an
    unsafe (or borderline) image or clip. Built on demand so importing this module loads no scanner."""
    from generations.moderation.visual.detectors import FrameDetector, FrameScore

    class ConstantScore(FrameDetector):
        name = "constant-score"
        version = "test"
        categories = (category,)
        default_thresholds = {category: (0.45, 0.8)}

        def score_frames(self, images):
            return [FrameScore({category: score}) for _ in images]

    return ConstantScore()


def assert_books_balance(team):
    """The team's cached numbers agree with the truth: balances with the credit ledger, reserved credits
    with the generations holding a reservation, and in-flight generations with those holding a slot (so a
    slot is never released by a generation that does not hold one, and the count never goes negative)."""
    team.refresh_from_db()
    totals = CreditEntry.objects.filter(team=team).aggregate(available=Sum("available_delta"), reserved=Sum("reserved_delta"))
    assert (team.credits_available, team.credits_reserved) == (totals["available"] or 0, totals["reserved"] or 0)
    reserved = Generation.objects.filter(team=team, credit_state=CreditState.RESERVED).aggregate(total=Sum("price_credits"))
    assert team.credits_reserved == (reserved["total"] or 0)
    assert team.generations_in_flight == Generation.objects.filter(team=team, holds_slot=True).count() >= 0
    return team


def make_finished_clip(team, user, *, prompt="a boat"):
    """A succeeded 3-second kling-v1-6 clip of `user`'s with a real video file, as the upstream still knows
    it (no pipeline needed: for forms that continue or remix a clip)."""
    now = timezone.now()
    clip = Generation.objects.create(team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std",
                                     status="succeeded", stage="done", progress=100, provider_video_id="vid-1",
                                     finished_at=now, render_finished_at=now)
    data = render_clip("a boat", duration=3, fps=8)
    asset = Asset(generation=clip, role="video", content_type="video/mp4", size_bytes=len(data), sha256="x", duration_s=3.0,
                  width=640, height=360)
    asset.file.save("clip.mp4", ContentFile(data), save=False)
    asset.save()
    return clip
