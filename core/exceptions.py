"""Errors that services raise and views translate."""


class DomainError(Exception):
    """A business rule refused the operation; the message is shown to the user as it is.

    ``field`` names the input the refusal is about, when it is about one: the API answers
    ``{field: [message]}`` and an HTML form shows the message beside that field.
    """

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(DomainError):
    """The row changed under the caller (stale version, last unit taken): reload and retry."""


class ServiceUnavailable(Exception):
    """A service the operation needs (the task queue) is unreachable: the caller may try again soon.

    Nothing half-done is left behind to block the retry. The API answers 503 with Retry-After.
    """

    retry_after_seconds = 30
