"""The parts usage tally: rebuilt whole from the stock ledger, as fleet's summaries are.

Parts are issued and returned one movement at a time, but the demo loader writes the ledger in
bulk and the report groups by the ticket's device model and school, which a rebuild reads as
they are now; so the tally is recomputed, not kept row by row, and the report shows when.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from fleet.models import SummaryRefresh
from fleet.services.summaries import summary_lock, summary_replace
from repairs.models import PART_USAGE_TALLY, PartUsageTally
from repairs.selectors import parts_usage_groups, parts_used_on_tickets


def part_usage_tally_rows() -> list[PartUsageTally]:
    """The tally recomputed from every issue and return (one grouped query), unsaved."""
    return [PartUsageTally(**group) for group in parts_usage_groups(parts_used_on_tickets())]


def part_usage_tally_refresh() -> SummaryRefresh:
    """Rebuild the parts usage tally. Safe to run twice (the second waits, then rebuilds).

    On PostgreSQL the groups go from the grouped read into the table in one INSERT … SELECT: at
    district size that is some 250,000 groups, which as model instances and batched INSERTs took
    about 40 s of the demo load.
    """
    with transaction.atomic():
        refresh = summary_lock(name=PART_USAGE_TALLY)
        if connection.vendor != "postgresql":
            return summary_replace(name=PART_USAGE_TALLY, model=PartUsageTally, rows=part_usage_tally_rows())
        groups_sql, params = parts_usage_groups(parts_used_on_tickets()).query.sql_with_params()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(PartUsageTally._meta.db_table)}")
            # The month comes out of date_trunc as district wall-clock time without a zone; AT TIME
            # ZONE turns it back into the instant, as Django does when it reads the value.
            cursor.execute(
                f"INSERT INTO {quote(PartUsageTally._meta.db_table)} (month, model, school, parts, cost)"
                f" SELECT g.month AT TIME ZONE %s, g.model, g.school, g.parts, g.cost FROM ({groups_sql}) g",
                [timezone.get_current_timezone_name(), *params],
            )
            refresh.refreshed_at, refresh.rows = timezone.now(), cursor.rowcount
        refresh.save(update_fields=["refreshed_at", "rows"])
        return refresh
