"""The usage page's per-day chart and per-kind table, from the ledger and the generations."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts import credits
from accounts.models import CreditEntry
from accounts.usage import daily_spend
from generations.models import CreditState, Generation

pytestmark = pytest.mark.django_db


def _charge(team, member, amount, *, days_ago):
    ref = f"gen-{amount}-{days_ago}"
    credits.reserve_credits(team, credits.Spender(member=member), amount, generation_ref=ref)
    credits.capture_credits(team, amount, member=member, generation_ref=ref)
    CreditEntry.objects.filter(generation_ref=ref).update(created_at=timezone.now() - dt.timedelta(days=days_ago))


def test_daily_spend_is_zero_filled_oldest_first_and_scaled_to_the_busiest_day(team, alice):
    _charge(team, alice, 40, days_ago=0)
    _charge(team, alice, 10, days_ago=0)
    _charge(team, alice, 25, days_ago=3)
    _charge(team, alice, 99, days_ago=45)  # outside the window
    days = daily_spend(team, days=30)
    assert len(days) == 30 and days[0].day < days[-1].day == timezone.now().date()
    assert [d.credits for d in days if d.credits] == [25, 50]
    assert days[-1].percent == 100 and days[-4].percent == 50 and days[-2].percent == 0


def test_usage_page_shows_the_chart_and_spend_by_kind(client, team, alice):
    _charge(team, alice, 30, days_ago=1)
    for kind, price, state in (("text2video", 10, CreditState.CAPTURED), ("lip-sync", 5, CreditState.CAPTURED),
                               ("lip-sync", 5, CreditState.RELEASED)):
        Generation.objects.create(team=team, created_by=alice, kind=kind, prompt="x", model_name="kling-v1", price_credits=price,
                                  credit_state=state, status="succeeded" if state == CreditState.CAPTURED else "failed")
    client.force_login(alice)
    page = client.get("/accounts/usage/").content.decode()
    yesterday = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    assert f'data-day="{yesterday}"' in page and 'class="bar"' in page
    assert 'data-kind="lip-sync"' in page and "Lip-sync" in page
    lip_sync_row = page.split('data-kind="lip-sync"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", lip_sync_row)
    assert cells == ["2", "1", "5"] and 'data-col="credits">5</td>' in lip_sync_row
