"""Pages of the site itself rather than of an app: the error pages and /favicon.ico.

400, 403 and 404 render in the portal's layout with the request, so the signed-in navigation is there. The
500 page renders without the request: no context processor runs, so it makes no database query (the
database may be why the request failed); it shows the request id that ties it to the logs.
"""

from django.http import HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import requires_csrf_token

from accounts.errors import ModeratorsOnly
from studio.logs import current_request_id


def _request_id(request):
    return getattr(request, "request_id", "") or current_request_id.get()


@requires_csrf_token
def bad_request(request, exception):
    # Like Django's own, it says nothing of the exception: its text may hold what the request carried.
    body = loader.render_to_string("400.html", {"request_id": _request_id(request)}, request)
    return HttpResponseBadRequest(body)


@requires_csrf_token
def permission_denied(request, exception):
    body = loader.render_to_string("403.html", {"request_id": _request_id(request)}, request)
    return HttpResponseForbidden(body)


@requires_csrf_token
def page_not_found(request, exception):
    message = exception.args[0] if exception.args and not isinstance(exception, Resolver404) else ""
    context = {
        "for_moderators": isinstance(exception, ModeratorsOnly),
        # What the view said was missing ("No such generation."), never the URL resolver's own details.
        "reason": message if isinstance(message, str) else "",
    }
    return HttpResponseNotFound(loader.render_to_string("404.html", context, request))


def server_error(request):
    return HttpResponseServerError(loader.render_to_string("500.html", {"request_id": _request_id(request)}))


def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page says; send them to the static icon."""
    response = redirect(static("studio/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response
