"""Purchase order pages: list, create with lines, detail, send, cancel, receive in part (htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from repairs import permissions, selectors
from repairs.choices import PurchaseOrderStatus
from repairs.filters.stock import PurchaseOrderFilterSet
from repairs.forms.stock import PurchaseOrderForm, PurchaseOrderReceiveForm
from repairs.models import PurchaseOrder
from repairs.services import purchasing

# What purchasing.purchase_order_cancel accepts: the page offers the button for these only.
CANCELLABLE_STATUSES = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SENT)


def _require_buyer(request: HtmxHttpRequest) -> None:
    if not permissions.can_manage_purchase_orders(request.user):
        raise PermissionDenied


def _to_detail(request: HtmxHttpRequest, order: PurchaseOrder) -> HttpResponse:
    url = reverse("repairs:purchase_order_detail", args=[order.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@login_required
def purchase_order_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_buyer(request)
    filterset = PurchaseOrderFilterSet(request.GET, queryset=selectors.purchase_order_list())
    orders = filterset.qs if filterset.is_valid() else selectors.purchase_order_list().none()
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_view_stock": permissions.can_view_stock(request.user),
    }
    template = "repairs/purchase_order_list.html"
    response = render(request, f"{template}#order-results" if is_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def purchase_order_create(request: HtmxHttpRequest) -> HttpResponse:
    _require_buyer(request)
    form = PurchaseOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = purchasing.purchase_order_create(
                actor=request.user,
                vendor=data["vendor"],
                ship_to=data["ship_to"],
                expected_on=data["expected_on"],
                notes=data["notes"],
                lines=[purchasing.LineInput(*line) for line in data["lines"]],
            )
        except DomainError as exc:
            domain_error_status(exc, form)
        else:
            lines = len(data["lines"])
            messages.success(
                request, f"Draft {order.number} created with {lines} line{'s' if lines != 1 else ''}."
            )
            return _to_detail(request, order)
    template = "repairs/purchase_order_create.html"
    return render(request, f"{template}#order-form" if is_partial(request) else template, {"form": form})


def _detail_context(order: PurchaseOrder, form: PurchaseOrderReceiveForm | None = None) -> dict[str, object]:
    """The order, its lines with what is still to come and what each costs, the receive form."""
    lines = [
        {
            "line": line,
            "outstanding": line.quantity_ordered - line.quantity_received,
            "total": line.quantity_ordered * line.unit_cost,
        }
        for line in order.lines.all()
    ]
    return {
        "order": order,
        "lines": lines,
        "receive_form": form or PurchaseOrderReceiveForm(order=order),
        "can_cancel": order.status in CANCELLABLE_STATUSES,
    }


@require_GET
@login_required
def purchase_order_detail(request: HtmxHttpRequest, order_id: int) -> HttpResponse:
    _require_buyer(request)
    order = selectors.purchase_order_get(order_id=order_id)
    return render(request, "repairs/purchase_order_detail.html", _detail_context(order))


def _refused(request: HtmxHttpRequest, order: PurchaseOrder, exc: DomainError) -> HttpResponse:
    """The order page again with the refusal above its actions (the order's status is at fault)."""
    context = _detail_context(order)
    context["action_error"] = str(exc)
    return render(request, "repairs/purchase_order_detail.html", context)


@require_POST
@login_required
def purchase_order_send(request: HtmxHttpRequest, order_id: int) -> HttpResponse:
    _require_buyer(request)
    order = selectors.purchase_order_get(order_id=order_id)
    try:
        purchasing.purchase_order_send(order=order, actor=request.user)
    except DomainError as exc:
        return _refused(request, order, exc)
    messages.success(request, f"{order.number} marked as sent to {order.vendor}.")
    return _to_detail(request, order)


@require_POST
@login_required
def purchase_order_cancel(request: HtmxHttpRequest, order_id: int) -> HttpResponse:
    _require_buyer(request)
    order = selectors.purchase_order_get(order_id=order_id)
    try:
        purchasing.purchase_order_cancel(order=order, actor=request.user)
    except DomainError as exc:
        return _refused(request, order, exc)
    messages.success(request, f"{order.number} cancelled: nothing more is expected from {order.vendor}.")
    return _to_detail(request, order)


def _received_message(order: PurchaseOrder, receipts: list[purchasing.ReceiptInput]) -> str:
    units = sum(receipt.quantity for receipt in receipts)
    lines = ", ".join(f"{receipt.quantity} x {receipt.line.part.part_number}" for receipt in receipts)
    return (
        f"Received {units} unit{'s' if units != 1 else ''} on {order.number} into {order.ship_to}: {lines}."
    )


@require_POST
@login_required
def purchase_order_receive(request: HtmxHttpRequest, order_id: int) -> HttpResponse:
    """Receive what arrived; errors re-render the receive form (the fragment for htmx)."""
    _require_buyer(request)
    order = selectors.purchase_order_get(order_id=order_id)
    form = PurchaseOrderReceiveForm(request.POST, order=order)
    status = 200
    if form.is_valid():
        receipts = [purchasing.ReceiptInput(*receipt) for receipt in form.receipts()]
        try:
            purchasing.purchase_order_receive(order=order, receipts=receipts, actor=request.user)
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            messages.success(request, _received_message(order, receipts))
            return _to_detail(request, order)
    template = "repairs/purchase_order_detail.html"
    chosen = f"{template}#receive-form" if is_partial(request) else template
    return render(request, chosen, _detail_context(order, form), status=status)
