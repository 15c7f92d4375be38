class DomainError(Exception):
    """A business rule said no. Views turn it into a form error or an API 400 with ``field``'s message."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
