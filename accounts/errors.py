from django.http import Http404


class AccountError(Exception):
    """A refusal at the accounts boundary, with a stable machine `code` and a human `message` (and, for a
    refusal about one input, the `field` it concerns)."""

    def __init__(self, code, message, *, http_status=400, field=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.field = field


class ModeratorsOnly(Http404):
    """A moderator-only page asked for by someone else. Still a 404 (it shows nothing of what is there), but
    the site's 404 page says whom the page is for."""

    def __init__(self):
        super().__init__("This page is for moderators.")
