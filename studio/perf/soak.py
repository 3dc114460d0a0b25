"""A fault soak: many generations through real workers against a simulator that misbehaves on purpose.

Checks what must hold whatever the upstream does: every generation ends terminal, no upstream task is
created twice for one generation, no credits stay reserved, the ledger balances, every failure carries a
reason a user can read, and the audit chain is intact.
"""

import collections
import tempfile
import time
from dataclasses import asdict, dataclass, field

import django_rq
from django.db.models import Count, Sum
from django.test import override_settings

from accounts.actions import do_create_team
from accounts.audit import SYSTEM, verify_chain
from accounts.credits import do_grant_credits
from accounts.models import CreditEntry, Team, User
from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import Generation
from generations.simulator import SimulatorConfig, start_in_thread
from generations.states import TERMINAL, Status
from generations.worker.burst import BurstWorker
from generations.worker.housekeeping import run_housekeeping

DEFAULT_FAULTS = "rate_limit:0.08,server_error:0.06,timeout:0.03,stuck:0.03,risk_control:0.03,bad_json:0.03"


@dataclass
class SoakReport:
    generations: int
    faults: str
    seconds: float = 0.0
    statuses: dict = field(default_factory=dict)
    faults_injected: dict = field(default_factory=dict)
    non_terminal: int = 0
    duplicated_upstream: int = 0
    credits_reserved: int = 0
    ledger_balanced: bool = False
    failures_without_reason: int = 0
    audit_chain_intact: bool = False
    chaos: list = field(default_factory=list)

    @property
    def ok(self):
        return (
            self.non_terminal == 0
            and self.duplicated_upstream == 0
            and self.credits_reserved == 0
            and self.ledger_balanced
            and self.failures_without_reason == 0
            and self.audit_chain_intact
        )

    def as_dict(self):
        return {**asdict(self), "ok": self.ok}


def submit_soak_generations(label, generations):
    """A throwaway team with enough credits and slots, and `generations` submitted to it; returns the team."""
    stamp = int(time.time() * 1000)
    user = User.objects.create_user(f"{label}-{stamp}@example.invalid", password=None)
    team = do_create_team(name=f"{label.title()} {stamp}", slug=f"{label}-{stamp}", owner=user, actor=SYSTEM)
    Team.objects.filter(pk=team.pk).update(max_concurrent_generations=generations)
    team.refresh_from_db()
    do_grant_credits(team, 100 * generations, reason=f"{label} budget")
    for n in range(generations):
        request = validate_generation_request({"prompt": f"{label} clip {n}: a kite over the dunes"}, default_model="kling-v1-6")
        do_submit_generation(team=team, user=user, request=request)
    return team


def count_duplicated_upstream(upstream):
    tasks = upstream.app.store.page("text2video", 1, 100_000)
    per_generation = collections.Counter(task["task_info"].get("external_task_id") for task in tasks)
    return sum(count - 1 for count in per_generation.values() if count > 1)


def check_invariants(report, team, *, started):
    """Fill in what must hold whatever happened: terminal, reasons, nothing reserved, nothing charged
    twice, the ledger equal to the balance, the audit chain intact."""
    rows = Generation.objects.filter(team=team)
    report.seconds = round(time.monotonic() - started, 1)
    report.statuses = dict(collections.Counter(rows.values_list("status", flat=True)))
    report.non_terminal = rows.exclude(status__in=TERMINAL).count()
    report.failures_without_reason = rows.filter(status=Status.FAILED, error_message="").count()
    team.refresh_from_db()
    report.credits_reserved = team.credits_reserved
    totals = CreditEntry.objects.filter(team=team).aggregate(a=Sum("available_delta"), r=Sum("reserved_delta"))
    charged_twice = (
        CreditEntry.objects.filter(team=team, kind="capture").values("generation_ref").annotate(n=Count("id")).filter(n__gt=1).exists()
    )
    report.ledger_balanced = (totals["a"] or 0, totals["r"] or 0) == (team.credits_available, team.credits_reserved) and not charged_twice
    report.audit_chain_intact = verify_chain().ok
    return report


def _drain(queues, *, jobs_per_round=25):
    BurstWorker(queues, connection=queues[0].connection).work(burst=True, max_jobs=jobs_per_round)


def run_soak(*, generations=200, faults=DEFAULT_FAULTS, seed=7, time_limit_s=600, log=lambda message: None) -> SoakReport:
    report = SoakReport(generations=generations, faults=faults)
    started = time.monotonic()
    data_dir = tempfile.mkdtemp(prefix="studio-soak-")
    # Short timeouts and deadlines so stuck and slow tasks resolve within the soak, not hours later.
    config = SimulatorConfig(render_delay_s=0.05, faults=faults, seed=seed, data_dir=data_dir, timeout_sleep_s=1.5)
    with start_in_thread(config) as upstream, override_settings(
        PROVIDER="simulator",
        SIMULATOR_URL=upstream.url,
        STUDIO_PUBLIC_URL="",
        PROVIDER_TIMEOUT_S=1.0,
        GENERATION_POLL_SLICE_S=1.0,
        GENERATION_POLL_INITIAL_S=0.05,
        GENERATION_POLL_MAX_S=0.2,
        GENERATION_DEADLINE_BASE_S=4,
        GENERATION_DEADLINE_PER_SECOND_S=0,
        GENERATION_STALL_S=2,
        GENERATION_MAX_SUBMIT_ATTEMPTS=4,
        UPSTREAM_MAX_IN_FLIGHT=50,
        USER_CREATE_RATE_PER_MINUTE=0,
        API_KEY_RATE_PER_MINUTE=0,
    ):
        team = submit_soak_generations("soak", generations)
        log(f"submitted {generations} generations; faults {faults}")

        queues = [django_rq.get_queue(name) for name in ("generations", "moderation", "webhooks", "default")]
        rows = Generation.objects.filter(team=team)
        while time.monotonic() - started < time_limit_s:
            if not rows.exclude(status__in=TERMINAL).exists():
                break
            if any(queue.count for queue in queues):
                _drain(queues)
            else:
                time.sleep(0.5)
                run_housekeeping()
            log(f"{rows.filter(status__in=TERMINAL).count()}/{generations} terminal")

        report.duplicated_upstream = count_duplicated_upstream(upstream)
        report.faults_injected = dict(upstream.app.faults.injected)
    return check_invariants(report, team, started=started)
