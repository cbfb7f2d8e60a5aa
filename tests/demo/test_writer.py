"""The demo's row writer: what it writes reads back exactly, awkward characters included."""

from __future__ import annotations

import numpy as np
import pytest

from demo.services.writer import RowWriter
from repairs.models import Vendor

pytestmark = pytest.mark.django_db

NAMES = ["Plain", "Tab\there", "Back\\slash", "Line\nbreak", "Return\rhere", "Ünïcode — ok", ""]


@pytest.mark.parametrize("awkward", [True, False])
def test_text_columns_read_back_exactly_with_or_without_characters_to_escape(awkward: bool):
    names = NAMES if awkward else ["Plain", "Other", "Ünïcode — ok"]
    phones = [f"555-01{n:02d}" for n in range(len(names))]
    stamps = np.full(len(names), 1_764_000_000, dtype=np.int64)

    written = RowWriter().write(
        Vendor,
        {
            "id": np.arange(900_001, 900_001 + len(names)),
            "created_at": stamps,
            "updated_at": stamps,
            "name": [name or "(blank)" for name in names],
            "phone": phones,
        },
    )

    assert written == len(names)
    stored = dict(Vendor.objects.filter(pk__gte=900_001).values_list("name", "phone"))
    assert stored == {name or "(blank)": phone for name, phone in zip(names, phones, strict=True)}
