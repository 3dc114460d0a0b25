"""The team's usage page: credits by member and day (from `accounts`) and generations by kind.

It lives here, not in `accounts`, because it reads generations: `accounts` knows nothing of them.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import membership_or_404
from accounts.usage import daily_spend, team_usage
from generations.selectors import usage_by_kind


@login_required
@require_GET
def usage(request):
    team = membership_or_404(request).team
    return render(
        request,
        "accounts/usage.html",
        {"team": team, "usage": team_usage(team), "days": daily_spend(team), "kinds": usage_by_kind(team, since=team.period_start)},
    )
