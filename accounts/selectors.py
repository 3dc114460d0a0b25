"""Read-side helpers. Access helpers answer None for another team's objects; views turn that into 404."""

from django.http import Http404

from accounts.models import Membership

SESSION_TEAM_KEY = "current_team_id"


def current_membership(request):
    """The signed-in user's membership in the team they are working in (cached on the request)."""
    if hasattr(request, "_current_membership"):
        return request._current_membership
    memberships = Membership.objects.filter(user=request.user).select_related("team").order_by("created_at", "id")
    chosen_id = request.session.get(SESSION_TEAM_KEY)
    membership = None
    if chosen_id is not None:
        membership = memberships.filter(team_id=chosen_id).first()
    if membership is None:
        membership = memberships.first()
    request._current_membership = membership
    return membership



def membership_or_404(request):
    """`current_membership`, or 404 for a signed-in user who belongs to no team (pages that need a team)."""
    membership = current_membership(request)
    if membership is None:
        raise Http404("You are not a member of any team.")
    return membership
