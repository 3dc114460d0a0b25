from accounts.models import StandingLevel
from accounts.selectors import current_membership
from accounts.standing import current_standing


def current_team(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)

    # The one computation of standing (decay applied) that the standing page and the API report too.
    standing = current_standing(request.user)
    banner = standing if standing.level != StandingLevel.GOOD else None
    return {"current_membership": membership, "current_team": membership.team if membership else None, "standing_banner": banner}
