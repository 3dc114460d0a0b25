class AccountError(Exception):
    """A refusal at the accounts boundary, with a stable machine `code` and a human `message`."""

    def __init__(self, code, message, *, http_status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
