"""The model-year tally the refresh plan's failure history reads: rebuilt whole, as fleet's
summaries are (a device's first move out of service and its ticket's outcome are facts about
today's rows, which no single write sees)."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from fleet.choices import DeviceStatus
from fleet.models import CustodyEvent, Device, SummaryRefresh
from fleet.selectors.reports import GONE_FOR_GOOD, school_year_of
from fleet.services.summaries import summary_lock, summary_replace
from forecasting.models import MODEL_YEAR_TALLY, ModelYearTally
from repairs.choices import TicketStatus


def model_year_tally_rows() -> list[ModelYearTally]:
    """The tally recomputed from every device and custody event (three grouped reads), unsaved."""
    gone = tuple(GONE_FOR_GOOD)
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(
        lambda: {"acquired": 0, "gone": 0, "failures": 0}
    )

    acquired = Device.objects.annotate(acquired_on=Coalesce("purchase_date", TruncDate("created_at")))
    by_month = (
        acquired.annotate(year=ExtractYear("acquired_on"), month=ExtractMonth("acquired_on"))
        .values_list("model_id", "year", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for model_id, year, month, n in by_month:
        if year is not None:
            counts[(model_id, year if month >= 7 else year - 1)]["acquired"] += n

    firsts = (
        CustodyEvent.objects.filter(to_status__in=gone, device__status__in=gone)
        .values_list("device_id", "device__model_id")
        .annotate(first=Min("occurred_at"))
        .order_by()
    )
    for _, model_id, first in firsts:
        counts[(model_id, school_year_of(timezone.localtime(first).date()))]["gone"] += 1

    failed = (
        CustodyEvent.objects.filter(
            Q(to_status=DeviceStatus.RETIRED, ticket__status=TicketStatus.BEYOND_REPAIR),
            device__status__in=gone,
        )
        .values_list("device_id", "device__model_id", "occurred_at")
        .order_by()
    )
    seen: set[tuple[int, int]] = set()
    for device_id, model_id, occurred_at in failed:
        year = school_year_of(timezone.localtime(occurred_at).date())
        if (device_id, year) not in seen:
            seen.add((device_id, year))
            counts[(model_id, year)]["failures"] += 1

    return [
        ModelYearTally(model_id=model_id, school_year=year, **figures)
        for (model_id, year), figures in sorted(counts.items())
    ]


def model_year_tally_refresh() -> SummaryRefresh:
    """Rebuild the model-year tally. Safe to run twice (the second waits, then rebuilds)."""
    with transaction.atomic():
        summary_lock(name=MODEL_YEAR_TALLY)
        return summary_replace(name=MODEL_YEAR_TALLY, model=ModelYearTally, rows=model_year_tally_rows())
