"""Portal pages for a team's webhook endpoints: create (secret shown once), disable, delivery log, redeliver."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import membership_or_404
from generations.actions.webhooks import do_create_endpoint, do_redeliver, do_send_test_event, do_stop_endpoint
from generations.models import WEBHOOK_EVENTS, TeamCallbackSecret, WebhookDelivery, WebhookEndpoint
from generations.outbound import UrlNotAllowed, resolve_target
from generations.selectors import team_object

NEW_SECRET_SESSION_KEY = "new_webhook_secret"


class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in WEBHOOK_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event.",
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve_target(url)
        except UrlNotAllowed as exc:
            raise forms.ValidationError(f"{exc.message} (url_not_allowed)") from exc
        return url



def _manager(request):
    membership = membership_or_404(request)
    if not membership.can_manage_team:
        messages.error(request, "Only the team's owners and admins can change webhooks. (not_team_admin)")
        return None
    return membership


@login_required
def webhooks_page(request, form=None, status=200):
    membership = membership_or_404(request)
    team = membership.team
    callback_secret = None
    if membership.can_manage_team:
        callback_secret, _ = TeamCallbackSecret.objects.get_or_create(team=team)
    return render(
        request,
        "generations/webhooks.html",
        {
            "endpoints": WebhookEndpoint.objects.filter(team=team).order_by("-created_at"),
            "deliveries": WebhookDelivery.objects.filter(team=team).select_related("endpoint", "generation")[:50],
            "form": form or EndpointForm(),
            "can_manage": membership.can_manage_team,
            "new_secret": request.session.pop(NEW_SECRET_SESSION_KEY, None),
            "callback_secret": callback_secret,
        },
        status=status,
    )


@login_required
@require_POST
def create_endpoint(request):
    membership = _manager(request)
    if membership is None:
        return redirect("generations:webhooks")
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return webhooks_page(request, form=form, status=400)
    endpoint = do_create_endpoint(
        team=membership.team,
        user=request.user,
        url=form.cleaned_data["url"],
        description=form.cleaned_data["description"],
        events=form.cleaned_data["events"],
        request=request,
    )
    request.session[NEW_SECRET_SESSION_KEY] = {"url": endpoint.url, "secret": endpoint.secret}
    return redirect("generations:webhooks")


@login_required
@require_POST
def disable_endpoint(request, endpoint_id):
    membership = _manager(request)
    if membership is None:
        return redirect("generations:webhooks")
    endpoint = team_object(WebhookEndpoint, membership.team, endpoint_id)
    if endpoint is None:
        raise Http404("No such endpoint.")
    canceled = do_stop_endpoint(endpoint, user=request.user, request=request)
    messages.success(request, f"Stopped sending to {endpoint.url}." + (f" {canceled} waiting deliveries were canceled." if canceled else ""))
    return redirect("generations:webhooks")


@login_required
@require_POST
def redeliver_delivery(request, delivery_id):
    membership = _manager(request)
    if membership is None:
        return redirect("generations:webhooks")
    delivery = team_object(WebhookDelivery, membership.team, delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    do_redeliver(delivery, user=request.user, request=request)
    messages.success(request, f"Queued {delivery.event_type} for {delivery.url} again.")
    return redirect("generations:webhooks")


@login_required
@require_POST
def send_test_event(request, endpoint_id):
    membership = _manager(request)
    if membership is None:
        return redirect("generations:webhooks")
    endpoint = team_object(WebhookEndpoint, membership.team, endpoint_id)
    if endpoint is None or not endpoint.is_active:
        raise Http404("No such endpoint.")
    do_send_test_event(endpoint, user=request.user, request=request)
    messages.success(request, f"Sent a test event to {endpoint.url}; its delivery shows in the log below.")
    return redirect("generations:webhooks")
