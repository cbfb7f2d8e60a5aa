"""Errors that services raise and views translate."""


class DomainError(Exception):
    """A business rule refused the operation; the message is shown to the user as it is."""


class ConflictError(DomainError):
    """The row changed under the caller (stale version, last unit taken): reload and retry."""
