"""How a long import reports rows done of total, and how it learns it should stop: the phases
and progress every background job shares (``core.services.job_progress``), under the names the importer uses.

The planning and writing loops call ``progress.update(phase=..., done=..., total=...)`` after each
batch. A background job's progress writes the figures where the job page polls them and raises
``ImportCancelled`` once someone asked to cancel; the command line's prints them. Raising inside
the import's transaction rolls everything back, so a cancelled import writes nothing.
"""

from __future__ import annotations

from core.services.job_progress import CHECKING, NO_PROGRESS, WRITING, Progress
from core.services.job_progress import JobCancelled as ImportCancelled

__all__ = ["CHECKING", "NO_PROGRESS", "WRITING", "ImportCancelled", "Progress"]
