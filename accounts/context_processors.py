from .selectors import current_membership


def current_team(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    from .models import Standing

    standing = Standing.objects.filter(user=request.user).only("level").first()
    banner = standing if standing is not None and standing.level != "good" else None
    return {"current_membership": membership, "current_team": membership.team if membership else None, "standing_banner": banner}
