class AccountError(Exception):
    """A refusal at the accounts boundary, with a stable machine `code` and a human `message` (and, for a
    refusal about one input, the `field` it concerns)."""

    def __init__(self, code, message, *, http_status=400, field=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.field = field
