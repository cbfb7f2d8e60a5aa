"""Loaners: each school's pool, lending one against a repair ticket, taking it back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial, render_page_or_fragment
from fleet import permissions
from fleet.models import Location
from fleet.selectors import devices as selectors
from repairs import selectors as repair_selectors
from repairs.forms.loans import LoanCheckOutForm
from repairs.services import loans as loan_services

PER_PAGE = 50


def _require_view(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_devices(request.user):
        raise PermissionDenied


def _require_change(request: HtmxHttpRequest) -> None:
    if not permissions.can_change_device(request.user):
        raise PermissionDenied


@require_GET
@login_required
def loaner_pool_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every school the user sees, with its loaners available, out and due back."""
    _require_view(request)
    schools = repair_selectors.loaner_pool_list(user=request.user)
    return render(request, "repairs/loaner_pool_list.html", {"schools": schools})


@require_GET
@login_required
def loan_due_list(request: HtmxHttpRequest) -> HttpResponse:
    """Loaners to collect: the device they stand in for is repaired, returned or closed."""
    _require_view(request)
    # Fifty a page, oldest first: a district's due loaners filled 180 KiB on one page.
    due = repair_selectors.loans_due(user=request.user).values_list("pk", flat=True)
    page = Paginator(due, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "loans": repair_selectors.loans_due_rows(loan_ids=list(page)),
        "page": page,
        "can_change": permissions.can_change_device(request.user),
    }
    return render(request, "repairs/loan_due_list.html", context)


def _pool_context(
    request: HtmxHttpRequest, location: Location, form: LoanCheckOutForm | None = None, **extra: object
) -> dict[str, object]:
    return {
        "pool": repair_selectors.loaner_pool(user=request.user, location=location),
        "location": location,
        "form": form or LoanCheckOutForm(),
        "can_change": permissions.can_change_device(request.user),
        "show_borrower": permissions.can_see_assignee(request.user),
        **extra,
    }


def _render_pool(request: HtmxHttpRequest, context: dict[str, object]) -> HttpResponse:
    return render_page_or_fragment(request, "repairs/loaner_pool.html", "loaner-pool", context)


@require_GET
@login_required
def loaner_pool(request: HtmxHttpRequest, location_id: int) -> HttpResponse:
    _require_view(request)
    location = selectors.location_get(user=request.user, location_id=location_id)
    return _render_pool(request, _pool_context(request, location))


@require_POST
@login_required
def loan_check_out(request: HtmxHttpRequest, location_id: int) -> HttpResponse:
    """Lend the scanned loaner against a ticket picked by its number."""
    _require_change(request)
    location = selectors.location_get(user=request.user, location_id=location_id)
    form = LoanCheckOutForm(request.POST)
    if form.is_valid():
        ticket = repair_selectors.ticket_for_loan(user=request.user, ticket_id=form.cleaned_data["ticket_id"])
        loaner = selectors.device_find_exact(user=request.user, identifier=form.cleaned_data["code"])
        if ticket is None:
            form.add_error("ticket_id", f"No ticket {form.cleaned_data['ticket_id']}.")
        if loaner is None:
            form.add_error(
                "code", f"No single device has the asset tag or serial “{form.cleaned_data['code']}”."
            )
        elif loaner.location_id != location.pk:
            # The page lends from this school's pool only: a loaner is looked up where it is shown.
            form.add_error("code", f"{loaner.asset_tag} is not in the loaner pool of {location.name}.")
            loaner = None
        if ticket is not None and loaner is not None:
            try:
                loan = loan_services.loan_check_out(
                    loaner=loaner,
                    ticket=ticket,
                    borrower_id=form.cleaned_data["borrower_id"],
                    actor=request.user,
                )
            except DomainError as exc:  # the ticket's state refuses it: shown beside the ticket number
                domain_error_status(exc, form, field="ticket_id")
            else:
                messages.success(request, f"{loan.loaner.asset_tag} lent for ticket {ticket.pk}.")
                form = LoanCheckOutForm()
    return _render_pool(request, _pool_context(request, location, form))


@require_POST
@login_required
def loan_return(request: HtmxHttpRequest, loan_id: int) -> HttpResponse:
    """Take a loaner back into its pool. From the due list, only that row is re-rendered."""
    _require_change(request)
    loan = repair_selectors.loan_get(user=request.user, loan_id=loan_id)
    error = ""
    try:
        loan = loan_services.loan_return(loan=loan, actor=request.user)
    except DomainError as exc:
        error = str(exc)
    else:
        messages.success(request, f"{loan.loaner.asset_tag} is back in the pool.")
    if request.POST.get("from") == "due" and is_partial(request):
        return render(request, "repairs/loan_due_list.html#due-row", {"loan": loan, "error": error})
    if not is_partial(request):
        if error:
            messages.error(request, error)
        return redirect("loans:loaner_pool", location_id=loan.loaner.location_id)
    context = _pool_context(request, loan.loaner.location, error=error)
    return _render_pool(request, context)
