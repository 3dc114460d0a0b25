from .selectors import current_membership


def current_team(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {"current_membership": membership, "current_team": membership.team if membership else None}
