"""Device import: read GAM, Admin console and spreadsheet files, check every row, write in bulk.

Modules: ``reading`` (bytes to rows), ``columns`` (header aliases, format detection), ``values``
(one cell), ``matching`` (models and locations), ``drafts`` (one row checked on its own),
``planning`` (the file against itself and the database), ``setbased`` (the same on PostgreSQL,
set-based over a staging table, leaving only the rows with something to say to ``planning``),
``writing`` (bulk writes), ``uploads``
(files kept between preview and confirm), ``mappings`` (answers to mapping questions), ``service``
(the operations callers use), ``report`` (what callers show).
"""

from fleet.services.importing.report import (
    ImportFileError,
    ImportFormat,
    ImportRejected,
    ImportReport,
    MappingQuestion,
    PlannedDevice,
    RowIssue,
    RowNotice,
    RowProblem,
)
from fleet.services.importing.service import (
    MappingAnswer,
    Preview,
    device_import_answer,
    device_import_confirm,
    device_import_preview,
    devices_import,
    import_mappings_answer,
)

__all__ = [
    "ImportFileError",
    "ImportFormat",
    "ImportRejected",
    "ImportReport",
    "MappingAnswer",
    "MappingQuestion",
    "PlannedDevice",
    "Preview",
    "RowIssue",
    "RowNotice",
    "RowProblem",
    "device_import_answer",
    "device_import_confirm",
    "device_import_preview",
    "devices_import",
    "import_mappings_answer",
]
