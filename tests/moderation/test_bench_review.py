"""`bench review` decides real held items through the portal's views and leaves nothing behind."""

import io
import json

import pytest
from django.core.management import call_command

from accounts.models import AuditEvent, User
from generations.models import Generation, ReviewItem

pytestmark = pytest.mark.django_db


def test_it_times_each_decision_and_rolls_everything_back():
    out = io.StringIO()
    call_command("bench", "review", "--json", "-n", "8", stdout=out)
    result = json.loads(out.getvalue())

    assert result["decisions"] == 8
    for step in ("decide", "item_page", "per_decision"):
        figures = result[step]
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"], (step, figures)
    assert result["per_decision"]["p50_ms"] > result["decide"]["p50_ms"]
    assert not ReviewItem.objects.exists() and not Generation.objects.exists()
    assert not User.objects.exists() and not AuditEvent.objects.exists()
