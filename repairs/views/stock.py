"""Parts and stock pages: catalogue, part page, stock per location, low stock, ledger, usage,
adjust and transfer forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from core.pagination import keyset_page
from repairs import permissions, selectors
from repairs.filters.stock import PartFilterSet, StockLevelFilterSet, StockMovementFilterSet
from repairs.forms.stock import StockAdjustForm, StockTransferForm, UsageFilterForm
from repairs.services import stock

PER_PAGE = 50


def _require_view(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_stock(request.user):
        raise PermissionDenied


def _nav(request: HtmxHttpRequest) -> dict[str, bool]:
    """What the stock pages' sub-navigation may offer this user: only pages they may open."""
    return {
        "can_move": permissions.can_move_stock(request.user),
        "can_adjust": permissions.can_adjust_stock(request.user),
        "can_buy": permissions.can_view_purchase_orders(request.user),
    }


def _list_response(
    request: HtmxHttpRequest, template: str, partial: str, context: Mapping[str, object]
) -> HttpResponse:
    """The page, or only its results fragment for htmx filter changes."""
    context = {"nav": _nav(request), **context}
    response = render(request, f"{template}#{partial}" if is_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _query(request: HtmxHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
def part_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = PartFilterSet(request.GET, queryset=selectors.part_list())
    parts = filterset.qs if filterset.is_valid() else selectors.part_list().none()
    page = Paginator(parts, PER_PAGE).get_page(request.GET.get("page"))
    context = {"filterset": filterset, "page": page, "query": _query(request)}
    return _list_response(request, "repairs/part_list.html", "part-results", context)


@require_GET
@login_required
def part_detail(request: HtmxHttpRequest, part_id: int) -> HttpResponse:
    _require_view(request)
    part = selectors.part_get(part_id=part_id)
    context = {
        "part": part,
        "levels": selectors.part_stock_by_location(part=part),
        "on_order": selectors.on_order_by_part().get(part.pk, 0),
        "movements": selectors.stock_movement_list(filters={"part": str(part.pk)})[:20],
        "nav": _nav(request),
    }
    return render(request, "repairs/part_detail.html", context)


@require_GET
@login_required
def stock_list(request: HtmxHttpRequest) -> HttpResponse:
    """Stock per location (filter by location, part, category or low)."""
    _require_view(request)
    filterset = StockLevelFilterSet(request.GET, queryset=selectors.stock_levels())
    levels = filterset.qs if filterset.is_valid() else selectors.stock_levels().none()
    page = Paginator(levels, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "query": _query(request),
    }
    return _list_response(request, "repairs/stock_list.html", "stock-results", context)


@require_GET
@login_required
def stock_low(request: HtmxHttpRequest) -> HttpResponse:
    """Levels at or below their reorder point, with what is already on order."""
    _require_view(request)
    on_order = selectors.on_order_by_part()
    # Paged like the other stock lists: a district's low levels filled 345 KiB on one page.
    page = Paginator(selectors.low_stock(), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(level, on_order.get(level.part_id, 0)) for level in page]
    context = {"rows": rows, "page": page, "nav": _nav(request)}
    return render(request, "repairs/stock_low.html", context)


@require_GET
@login_required
def stock_movement_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = StockMovementFilterSet(request.GET, queryset=selectors.stock_movement_list())
    movements = filterset.qs if filterset.is_valid() else selectors.stock_movement_list().none()
    # Keyset pages: an OFFSET deep into 850,000 movements read every row it skipped.
    page = keyset_page(movements, cursor=request.GET.get("after"), per_page=PER_PAGE)
    context = {"filterset": filterset, "page": page, "query": _query(request)}
    return _list_response(request, "repairs/stock_movement_list.html", "movement-results", context)


USAGE_PER_PAGE = 200


@require_GET
@login_required
def stock_usage(request: HtmxHttpRequest) -> HttpResponse:
    """Parts used per month, device model and school."""
    _require_view(request)
    form = UsageFilterForm(request.GET or None)
    dates = form.cleaned_data if form.is_valid() else {}
    # Five years of a district is ~850,000 movements: without dates, show the last 12 months.
    date_from = dates.get("date_from") or (
        timezone.localdate().replace(day=1) - dt.timedelta(days=335)
    ).replace(day=1)
    rows = selectors.parts_usage(date_from=date_from, date_to=dates.get("date_to"))
    page = Paginator(rows, USAGE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "date_from": date_from,
        "query": _query(request),
        "refreshed_at": selectors.parts_usage_refreshed_at(),
    }
    return _list_response(request, "repairs/stock_usage.html", "usage-results", context)


def _stock_form_view(
    request: HtmxHttpRequest, *, form: StockAdjustForm | StockTransferForm, template: str, partial: str
) -> HttpResponse:
    """Run the form's service on a valid POST, then go to the ledger; otherwise re-render the form."""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if isinstance(form, StockAdjustForm):
                stock.stock_adjust(actor=request.user, **data)
                done = (
                    f"Count of {data['part'].part_number} at {data['stock_location']} "
                    f"adjusted by {data['quantity']:+d}."
                )
            else:
                stock.stock_transfer(actor=request.user, **data)
                done = (
                    f"Moved {data['quantity']} x {data['part'].part_number} "
                    f"from {data['from_location']} to {data['to_location']}."
                )
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            messages.success(request, done)
            url = f"{reverse('repairs:stock_movement_list')}?part={data['part'].pk}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    chosen = template if not is_partial(request) else f"{template}#{partial}"
    return render(request, chosen, {"form": form, "nav": _nav(request)}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def stock_adjust(request: HtmxHttpRequest) -> HttpResponse:
    if not permissions.can_adjust_stock(request.user):
        raise PermissionDenied
    form = StockAdjustForm(request.POST or None, initial=request.GET.dict())
    return _stock_form_view(request, form=form, template="repairs/stock_adjust.html", partial="adjust-form")


@require_http_methods(["GET", "POST"])
@login_required
def stock_transfer(request: HtmxHttpRequest) -> HttpResponse:
    if not permissions.can_move_stock(request.user):
        raise PermissionDenied
    form = StockTransferForm(request.POST or None, initial=request.GET.dict())
    return _stock_form_view(
        request, form=form, template="repairs/stock_transfer.html", partial="transfer-form"
    )
