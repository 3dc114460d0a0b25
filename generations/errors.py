class GenerationError(Exception):
    """A refusal at the generations boundary.

    `code` is stable and machine-readable; the API, the portal and the audit trail use the same codes.
    """

    def __init__(self, code, message, *, http_status=400, field=None, stage=None, categories=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.field = field
        self.stage = stage
        self.categories = categories or []

    def as_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.stage:
            body["stage"] = self.stage
        if self.categories:
            body["categories"] = self.categories
        return body
