"""How a long import reports rows done of total, and how it learns it should stop.

The planning and writing loops call ``progress.update(phase=..., done=..., total=...)`` after each
batch. A background job's progress writes the figures where the job page polls them and raises
``ImportCancelled`` once someone asked to cancel; the command line's prints them. Raising inside
the import's transaction rolls everything back, so a cancelled import writes nothing.
"""

from __future__ import annotations

from core.exceptions import DomainError

CHECKING = "checking"
WRITING = "writing"


class ImportCancelled(DomainError):
    """The import was cancelled while it ran; nothing was written."""


class Progress:
    """Reports nothing and never cancels: what a caller gets that did not ask for progress."""

    def update(self, *, phase: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows of ``phase`` (CHECKING or WRITING) are through.

        Raises ImportCancelled when the import should stop.
        """


NO_PROGRESS = Progress()
