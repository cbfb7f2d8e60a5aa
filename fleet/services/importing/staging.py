"""A new device's row as the PostgreSQL path stages it: planning spills it to a file, writing
``COPY``s that file into the staging table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fleet.services.importing.drafts import Draft

# The columns a new device's row sets, in the file's order, with their staging table types.
STAGED = (
    ("row", "integer"),
    ("asset_tag", "text"),
    ("serial", "text"),
    ("manufacturer_id", "bigint"),
    ("model_id", "bigint"),
    ("status", "text"),
    ("location_id", "bigint"),
    ("assignee_kind", "text"),
    ("assignee_id", "text"),
    ("variant_confirmed", "boolean"),
    ("google_device_id", "text"),
    ("org_unit_path", "text"),
    ("os_version", "text"),
    ("boot_mode", "text"),
    ("last_sync", "timestamptz"),
    ("aue_override", "date"),
    ("purchase_date", "date"),
    ("purchase_order_number", "text"),
    ("warranty_end", "date"),
    ("candidate_ids", "bigint[]"),
)
# COPY reads an unquoted empty CSV cell as NULL except in these never-NULL text columns.
NOT_NULL_TEXT = ", ".join(name for name, kind in STAGED if kind == "text" and name != "google_device_id")


def staged_row(draft: Draft) -> Iterator[Any]:
    """The draft's cells in STAGED order; None for NULL."""
    kind, assignee_id = draft.assignee or ("", "")
    assert draft.manufacturer_id is not None and draft.model_id is not None  # a new row without problems
    assert draft.location_id is not None
    found = draft.values.get
    yield from (draft.row, draft.asset_tag, draft.serial, draft.manufacturer_id, draft.model_id)
    yield from (draft.status, draft.location_id, kind, assignee_id, draft.candidate_ids is None)
    yield from (found("google_device_id"), found("org_unit_path", ""), found("os_version", ""))
    yield from (found("boot_mode", ""), found("last_sync"), found("aue_override"))
    yield found("purchase_date")
    yield from (found("purchase_order_number", ""), found("warranty_end"))
    ids = draft.candidate_ids
    yield "{" + ",".join(map(str, ids)) + "}" if ids else None
