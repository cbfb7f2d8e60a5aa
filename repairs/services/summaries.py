"""The parts usage tally: rebuilt whole from the stock ledger, as fleet's summaries are.

Parts are issued and returned one movement at a time, but the demo loader writes the ledger in
bulk and the report groups by the ticket's device model and school, which a rebuild reads as
they are now; so the tally is recomputed, not kept row by row, and the report shows when.
"""

from __future__ import annotations

from django.db import transaction

from fleet.models import SummaryRefresh
from fleet.services.summaries import summary_lock, summary_replace
from repairs.models import PART_USAGE_TALLY, PartUsageTally
from repairs.selectors import parts_usage_groups, parts_used_on_tickets


def part_usage_tally_rows() -> list[PartUsageTally]:
    """The tally recomputed from every issue and return (one grouped query), unsaved."""
    return [PartUsageTally(**group) for group in parts_usage_groups(parts_used_on_tickets())]


def part_usage_tally_refresh() -> SummaryRefresh:
    """Rebuild the parts usage tally. Safe to run twice (the second waits, then rebuilds)."""
    with transaction.atomic():
        summary_lock(name=PART_USAGE_TALLY)
        return summary_replace(name=PART_USAGE_TALLY, model=PartUsageTally, rows=part_usage_tally_rows())
