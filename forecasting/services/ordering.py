"""Turn the latest run's reorder suggestions into draft purchase orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from forecasting import permissions
from forecasting.models import ReorderSuggestion
from forecasting.selectors import forecasts as selectors
from repairs.models import PurchaseOrder, StockLocation, Vendor
from repairs.services import purchasing


def _names(suggestions: Sequence[ReorderSuggestion]) -> str:
    return ", ".join(sorted({s.part.part_number for s in suggestions}))


@transaction.atomic
def purchase_orders_from_suggestions(
    *, actor: User, suggestion_ids: Sequence[int], vendor: Vendor | None = None
) -> list[PurchaseOrder]:
    """One draft purchase order per (vendor, ship-to location) for the chosen suggestions.

    With ``vendor``, only the chosen suggestions for that vendor's parts are ordered.

    Each line orders the suggested quantity at the part's current unit cost, and each suggestion
    records the order it became. All or nothing: the suggestions are locked in pk order, and any
    that no longer exists, is already ordered, comes from a run other than the latest, is for a
    demo part, has no vendor or nothing to order makes the whole call raise DomainError naming
    the parts (ConflictError when another buyer got there first). Raises PermissionDenied for
    users who may not manage purchase orders.
    """
    if not permissions.can_order_from_suggestions(actor):
        raise PermissionDenied
    ids = sorted(set(suggestion_ids))
    if not ids:
        raise DomainError("Choose at least one suggested line to order.", field="suggestion")
    suggestions = list(
        ReorderSuggestion.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("part", "part__vendor", "stock_location")
        .order_by("pk")
    )
    if len(suggestions) != len(ids):
        raise ConflictError("Some suggested lines no longer exist: a newer forecast replaced them. Reload.")
    if vendor is not None:
        suggestions = [s for s in suggestions if s.part.vendor_id == vendor.pk]
        if not suggestions:
            raise DomainError(f"Choose at least one suggested line for {vendor.name}.", field="suggestion")
    latest = selectors.latest_run()
    stale = [s for s in suggestions if latest is None or s.run_id != latest.pk]
    if stale:
        raise ConflictError(
            f"{_names(stale)}: these suggestions come from an older forecast run. Reload the page."
        )
    ordered = [s for s in suggestions if s.purchase_order_id is not None]
    if ordered:
        raise ConflictError(f"{_names(ordered)}: already on a purchase order.")
    demo = [s for s in suggestions if s.part.is_demo]
    if demo:
        raise DomainError(
            f"{_names(demo)}: demo part numbers are invented and cannot be ordered.", field="suggestion"
        )
    no_vendor = [s for s in suggestions if s.part.vendor is None]
    if no_vendor:
        raise DomainError(
            f"{_names(no_vendor)}: no vendor on the part; set one in the catalogue first.", field="suggestion"
        )
    nothing = [s for s in suggestions if s.suggested_quantity < 1]
    if nothing:
        raise DomainError(f"{_names(nothing)}: nothing to order.", field="suggestion")

    groups: dict[tuple[Vendor, StockLocation], list[ReorderSuggestion]] = defaultdict(list)
    for suggestion in suggestions:
        assert suggestion.part.vendor is not None  # checked above
        groups[(suggestion.part.vendor, suggestion.stock_location)].append(suggestion)
    orders = []
    for (vendor, ship_to), group in sorted(
        groups.items(), key=lambda item: (item[0][0].name, item[0][1].name)
    ):
        order = purchasing.purchase_order_create(
            actor=actor,
            vendor=vendor,
            ship_to=ship_to,
            lines=[
                purchasing.LineInput(s.part, s.suggested_quantity, s.part.unit_cost)
                for s in sorted(group, key=lambda s: s.part.part_number)
            ],
            notes=f"From the reorder suggestions of forecast run {latest.pk if latest else ''}.",
        )
        ReorderSuggestion.objects.filter(pk__in=[s.pk for s in group]).update(purchase_order=order)
        orders.append(order)
    return orders
