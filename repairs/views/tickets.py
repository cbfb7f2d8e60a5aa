"""Ticket pages: the list and queues, one ticket with its workflow actions, opening by scan,
the bulk intake of a school visit."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import barcode
from barcode.writer import SVGWriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from core.pagination import CappedPaginator, keyset_page
from fleet.selectors import devices as fleet_selectors
from repairs import permissions, selectors
from repairs.choices import OPEN_TICKET_STATUSES, TicketStatus
from repairs.domain import workflow
from repairs.forms.tickets import (
    TicketAssignForm,
    TicketEscalateForm,
    TicketIntakeForm,
    TicketLoanerForm,
    TicketOpenForm,
    TicketPartIssueForm,
    TicketTransitionForm,
    TicketVendorForm,
    TicketWorkForm,
)
from repairs.models import Ticket
from repairs.services import stock, tickets

PAGE_SIZE = 50
TIMELINE_PER_PAGE = 50


def _require_view(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_tickets(request.user):
        raise PermissionDenied


def _require_work(request: HtmxHttpRequest, ticket: Ticket | None = None) -> None:
    allowed = (
        permissions.can_work_ticket(request.user, ticket)
        if ticket is not None
        else permissions.can_work_tickets(request.user)
    )
    if not allowed:
        raise PermissionDenied


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


# Lists and queues --------------------------------------------------------------------------------


@require_GET
@login_required
def ticket_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = selectors.ticket_filterset(user=request.user, filters=request.GET)
    rows = filterset.qs if filterset.is_valid() else Ticket.objects.none()
    # A district holds a million tickets: count at most 10,000 of them ("more than 10,000").
    # Two steps: the page's ids from a narrow query, then their rows as columns for those alone.
    page = CappedPaginator(rows.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.ticket_list_rows(ticket_ids=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_open": permissions.can_request_repairs(request.user),
        "can_work": permissions.can_work_tickets(request.user),
    }
    template = (
        "repairs/ticket_list.html#ticket-results" if is_partial(request) else "repairs/ticket_list.html"
    )
    return _vary(render(request, template, context))


def _queue(request: HtmxHttpRequest, rows: QuerySet[Ticket], heading: str, **extra: Any) -> HttpResponse:
    page = Paginator(rows, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "heading": heading,
        # Rows of id and name: the queue links to every location's queue (about 210).
        "locations": list(fleet_selectors.location_list(user=request.user).values_list("pk", "name")),
        "can_work": permissions.can_work_tickets(request.user),
    }
    context.update(extra)
    template = (
        "repairs/ticket_queue.html#queue-results" if is_partial(request) else "repairs/ticket_queue.html"
    )
    return _vary(render(request, template, context))


@require_GET
@login_required
def ticket_queue_mine(request: HtmxHttpRequest) -> HttpResponse:
    """The signed-in technician's open tickets, most urgent first."""
    _require_work(request)
    rows = selectors.queue_for_technician(user=request.user, technician=request.user)
    return _queue(request, rows, "My queue")


@require_GET
@login_required
def ticket_queue_location(request: HtmxHttpRequest, location_id: int) -> HttpResponse:
    """The open tickets reported at one location (school administrators: their own schools)."""
    _require_view(request)
    location = fleet_selectors.location_get(user=request.user, location_id=location_id)
    rows = selectors.queue_for_location(user=request.user, location=location)
    return _queue(request, rows, f"Open tickets at {location.name}", location=location)


# One ticket ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One next status a ticket page offers, as a button that says what it does."""

    to_status: str
    label: str
    primary: bool


# The most likely next status from each: the ticket page's primary button.
LIKELY_NEXT: dict[str, str] = {
    TicketStatus.NEW: TicketStatus.TRIAGED,
    TicketStatus.TRIAGED: TicketStatus.IN_PROGRESS,
    TicketStatus.IN_PROGRESS: TicketStatus.REPAIRED,
    TicketStatus.WAITING_FOR_PARTS: TicketStatus.IN_PROGRESS,
    TicketStatus.AT_VENDOR: TicketStatus.REPAIRED,
    # From repaired the primary move is "Returned and closed" (its own form, with the labour).
    TicketStatus.RETURNED: TicketStatus.CLOSED,
}

MOVE_LABELS: dict[str, str] = {
    TicketStatus.TRIAGED: "Triage",
    TicketStatus.IN_PROGRESS: "Start the repair",
    TicketStatus.WAITING_FOR_PARTS: "Waiting for parts",
    TicketStatus.AT_VENDOR: "Send to the vendor",
    TicketStatus.REPAIRED: "Mark repaired",
    TicketStatus.RETURNED: "Returned to its user",
    TicketStatus.CLOSED: "Close the ticket",
    TicketStatus.BEYOND_REPAIR: "Beyond economical repair",
}

# Moves that ask for more than a click: each has its own small form on the ticket page.
MOVES_WITH_FIELDS = frozenset({TicketStatus.REPAIRED, TicketStatus.CLOSED, TicketStatus.BEYOND_REPAIR})


def _moves(ticket: Ticket) -> dict[str, Any]:
    """The ticket's next statuses sorted for its page: the likely one first, then the plain
    one-click moves, the ones that ask for fields (repaired, close, beyond repair) and the
    reopens (a note)."""
    likely = LIKELY_NEXT.get(ticket.status)
    moves: list[Move] = []
    reopens: list[Move] = []
    for status in workflow.next_statuses(ticket.status):
        if workflow.is_reopen(ticket.status, status):
            label = "Back to triage" if status == TicketStatus.TRIAGED else "Back on the bench"
            reopens.append(Move(status, label, primary=False))
            continue
        label = MOVE_LABELS[status]
        if status == TicketStatus.IN_PROGRESS and ticket.status in (
            TicketStatus.AT_VENDOR,
            TicketStatus.REPAIRED,
        ):
            label = "Back on the bench"
        moves.append(Move(status, label, primary=status == likely))
    moves.sort(key=lambda move: not move.primary)
    offered = {move.to_status for move in moves}
    # Going to the vendor needs the vendor recorded first: until then the page says so instead.
    vendor_waiting = TicketStatus.AT_VENDOR in offered and not (ticket.vendor_id or ticket.vendor_reference)
    return {
        "one_click_moves": [
            m
            for m in moves
            if m.to_status not in MOVES_WITH_FIELDS
            and not (vendor_waiting and m.to_status == TicketStatus.AT_VENDOR)
        ],
        "offers_repaired": TicketStatus.REPAIRED in offered,
        "offers_close": TicketStatus.CLOSED in offered,
        "offers_return_and_close": ticket.status == TicketStatus.REPAIRED
        and TicketStatus.RETURNED in offered,
        "offers_beyond_repair": TicketStatus.BEYOND_REPAIR in offered,
        "vendor_move_waiting": vendor_waiting,
        "reopens": reopens,
    }


def _detail_context(request: HtmxHttpRequest, ticket: Ticket, **overrides: Any) -> dict[str, Any]:
    can_work = permissions.can_work_ticket(request.user, ticket)
    is_open = ticket.status in OPEN_TICKET_STATUSES
    is_finished = ticket.status in workflow.FINISHED
    version = {"version": ticket.version}
    context: dict[str, Any] = {
        "ticket": ticket,
        # Oldest first in keyset pages by (occurred_at, id): a long-running ticket can gather hundreds.
        "events": keyset_page(
            selectors.ticket_events(ticket=ticket),
            cursor=request.GET.get("after"),
            before=request.GET.get("before"),
            per_page=TIMELINE_PER_PAGE,
            newest_first=False,
            count=False,
        ),
        "flags": selectors.ticket_flags(ticket=ticket),
        "turnaround": selectors.ticket_turnaround(ticket=ticket),
        "open_loan": selectors.ticket_open_loan(ticket=ticket),
        "can_work": can_work,
        "is_open": is_open,
        "is_finished": is_finished,
        "can_issue_parts": can_work and is_open and permissions.can_move_stock(request.user),
        "can_lend": can_work and permissions.can_lend_loaners(request.user),
        "can_take": (
            can_work
            and not is_finished
            and ticket.assignee_id != request.user.pk
            and permissions.can_be_assigned_tickets(request.user)
        ),
        "lend_open": request.GET.get("lend") == "1",
        "action_error": None,
        "part_movements": selectors.ticket_part_movements(ticket=ticket),
    }
    if can_work:
        context |= _moves(ticket)
        context |= {
            "transition_form": TicketTransitionForm(initial=version),
            "assign_form": TicketAssignForm(
                initial={**version, "assignee": ticket.assignee_id}, assignees=selectors.ticket_assignees()
            ),
            "escalate_form": TicketEscalateForm(initial=version),
            "vendor_form": TicketVendorForm(
                initial={
                    **version,
                    "vendor": ticket.vendor_id,
                    "vendor_reference": ticket.vendor_reference,
                    "coverage": ticket.coverage,
                    "shipped_at": ticket.shipped_at,
                    "vendor_returned_at": ticket.vendor_returned_at,
                }
            ),
            "work_form": TicketWorkForm(initial={**version, "problem_summary": ticket.problem_summary}),
            "loaner_form": TicketLoanerForm(),
            "part_form": _part_form(request, ticket),
        }
    context.update(overrides)
    # A refused move re-renders with its errors and values in the form that sent it.
    posted = context["transition_form"].data.get("to_status", "") if can_work else ""
    context["posted_move"] = posted
    context["reopen_posted"] = any(move.to_status == posted for move in context.get("reopens", []))
    return context


def _part_form(
    request: HtmxHttpRequest, ticket: Ticket, data: QueryDict | None = None
) -> TicketPartIssueForm:
    return TicketPartIssueForm(
        data,
        parts=selectors.ticket_part_choices(ticket=ticket),
        stock_locations=selectors.stock_location_list(),
        user=request.user,
        symptom=ticket.symptom,
    )


@require_POST
@login_required
def ticket_issue_part(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Take a part from stock for this ticket; the stock level drops by the quantity."""
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    form = _part_form(request, ticket, request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        stock.stock_issue_to_ticket(ticket=ticket, actor=request.user, **data)
        return f"Issued {data['quantity']} x {data['part'].part_number} from {data['stock_location']}."

    return _action(request, ticket_id, "part_form", form, run)


@require_GET
@login_required
def ticket_detail(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    _require_view(request)
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    return render(request, "repairs/ticket_detail.html", _detail_context(request, ticket))


@require_GET
@login_required
def ticket_work_order(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket on one printable sheet, the asset tag as a Code 128 barcode to scan at the bench."""
    _require_view(request)
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    context = {
        "ticket": ticket,
        "barcode_uri": _code128_data_uri(ticket.device.asset_tag),
        "part_movements": selectors.ticket_part_movements(ticket=ticket),
        "printed_at": timezone.now(),
    }
    return render(request, "repairs/ticket_work_order.html", context)


def _code128_data_uri(text: str) -> str:
    """``text`` as a Code 128 barcode: an SVG in a data: URI (the CSP allows data: images, and an
    <img> keeps the SVG's own style attributes out of the page)."""
    out = io.BytesIO()
    code = barcode.get("code128", text, writer=SVGWriter())
    code.write(out, options={"module_height": 12.0, "font_size": 8, "text_distance": 4, "quiet_zone": 4})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _form_error(form: Any) -> str:
    return " ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())


def _panel_error(form: Any) -> str | None:
    """What the panel says above its forms: the errors no visible field shows beside itself."""
    beside = {field.name for field in form.visible_fields()}
    return " ".join(m for name, errors in form.errors.items() if name not in beside for m in errors) or None


def _action(
    request: HtmxHttpRequest,
    ticket_id: int,
    form_name: str | None,
    form: Any,
    run: Callable[[Ticket, dict[str, Any]], str],
) -> HttpResponse:
    """Shared by the ticket's actions: validate (when there is a form), call the service (which
    returns what to tell the user), then go back to the ticket saying so, or re-render the actions
    panel with the refusal (409 for a stale version or too little stock): beside the field it
    names, else above the forms."""
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    _require_work(request, ticket)
    status, refused, error = 200, True, None
    if form is None or form.is_valid():
        try:
            done = run(ticket, form.cleaned_data if form is not None else {})
        except DomainError as exc:
            status = domain_error_status(exc, form)
            error = str(exc) if form is None else _panel_error(form)
        else:
            refused = False
    else:  # the panel sums up what to fix; each field also shows its own
        error = _form_error(form)
    if not refused:
        messages.success(request, done)
        url = reverse("repairs:ticket_detail", args=[ticket.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    bound = {form_name: form} if form_name else {}
    context = _detail_context(request, ticket, action_error=error, **bound)
    template = (
        "repairs/ticket_detail.html#ticket-actions" if is_partial(request) else "repairs/ticket_detail.html"
    )
    return render(request, template, context, status=status)


@require_POST
@login_required
def ticket_transition(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketTransitionForm(request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        kwargs = form.service_kwargs()
        if data.get("then_close") and kwargs["to_status"] == TicketStatus.RETURNED:
            kwargs.pop("to_status")
            closed = tickets.ticket_return_and_close(ticket=ticket, actor=request.user, **kwargs)
            return f"Ticket #{closed.pk} is returned to its user and closed."
        moved = tickets.ticket_transition(ticket=ticket, actor=request.user, **kwargs)
        return f"Ticket #{moved.pk} is now {moved.get_status_display().lower()}."

    return _action(request, ticket_id, "transition_form", form, run)


@require_POST
@login_required
def ticket_assign(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketAssignForm(request.POST, assignees=selectors.ticket_assignees())

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.ticket_assign(
            ticket=ticket, actor=request.user, assignee=data["assignee"], expected_version=data["version"]
        )
        assignee = data["assignee"]
        if assignee is None:
            return f"Ticket #{ticket.pk} is unassigned."
        return f"Ticket #{ticket.pk} is yours." if assignee == request.user else f"Assigned to {assignee}."

    return _action(request, ticket_id, "assign_form", form, run)


@require_POST
@login_required
def ticket_escalate(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketEscalateForm(request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        escalated = tickets.ticket_escalate(
            ticket=ticket, actor=request.user, note=data["note"], expected_version=data["version"]
        )
        return f"Escalated to {escalated.get_tier_display().lower()}."

    return _action(request, ticket_id, "escalate_form", form, run)


@require_POST
@login_required
def ticket_update_vendor(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketVendorForm(request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.ticket_update_vendor(
            ticket=ticket,
            actor=request.user,
            vendor=data["vendor"],
            vendor_reference=data["vendor_reference"],
            coverage=data["coverage"],
            shipped_at=data["shipped_at"],
            vendor_returned_at=data["vendor_returned_at"],
            expected_version=data["version"],
        )
        return "Vendor details saved."

    return _action(request, ticket_id, "vendor_form", form, run)


@require_POST
@login_required
def ticket_record_work(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketWorkForm(request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.ticket_record_work(ticket=ticket, actor=request.user, **form.service_kwargs(ticket))
        return "Work saved."

    return _action(request, ticket_id, "work_form", form, run)


@require_POST
@login_required
def ticket_loaner_check_out(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    form = TicketLoanerForm(request.POST)

    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        loan = tickets.ticket_loaner_check_out(
            ticket=ticket, actor=request.user, loaner_code=data["code"], borrower_id=data["borrower_id"]
        )
        return f"Loaner {loan.loaner.asset_tag} lent to {data['borrower_id']}."

    return _action(request, ticket_id, "loaner_form", form, run)


@require_POST
@login_required
def ticket_loaner_return(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    def run(ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.ticket_loaner_return(ticket=ticket, actor=request.user)
        return "Loaner taken back."

    return _action(request, ticket_id, None, None, run)


# Opening ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def ticket_open(request: HtmxHttpRequest) -> HttpResponse:
    """Open a ticket from a scan; for a school administrator it files a repair request."""
    if not permissions.can_request_repairs(request.user):
        raise PermissionDenied
    can_start = permissions.can_work_tickets(request.user)
    if request.method == "POST":
        form = TicketOpenForm(request.POST, can_start=can_start)
        if form.is_valid():
            data = dict(form.cleaned_data)
            start_now = data.pop("start_now", False)
            device = fleet_selectors.device_find_exact(user=request.user, identifier=data.pop("code"))
            if device is None:
                form.add_error("code", "No single device you can see has this asset tag or serial.")
            else:
                try:
                    ticket = tickets.ticket_open(
                        device=device, reporter=request.user, start_repair=start_now, **data
                    )
                except DomainError as exc:  # the scanned device's state: shown beside the scan
                    domain_error_status(exc, form, field="code")
                else:
                    opened = "Repair request" if ticket.status == TicketStatus.NEW else "Ticket"
                    started = (
                        " The repair is in progress." if ticket.status == TicketStatus.IN_PROGRESS else ""
                    )
                    messages.success(
                        request, f"{opened} #{ticket.pk} opened for {device.asset_tag}.{started}"
                    )
                    url = reverse("repairs:ticket_detail", args=[ticket.pk])
                    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = TicketOpenForm(initial={"code": request.GET.get("code", "")}, can_start=can_start)
    context = {"form": form, "is_request": not permissions.can_work_tickets(request.user)}
    template = "repairs/ticket_open.html#open-form" if is_partial(request) else "repairs/ticket_open.html"
    return _vary(render(request, template, context))


@require_http_methods(["GET", "POST"])
@login_required
def ticket_intake(request: HtmxHttpRequest) -> HttpResponse:
    """Bulk intake: many scans, one ticket each, with a row-by-row report."""
    _require_work(request)
    locations = fleet_selectors.location_list(user=request.user)
    rows: list[tickets.IntakeRow] = []
    if request.method == "POST":
        form = TicketIntakeForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = tickets.tickets_open_bulk(
                    codes=data["codes"],
                    reporter=request.user,
                    symptom=data["symptom"],
                    damage_cause=data["damage_cause"],
                    priority=data["priority"],
                    location=data["location"],
                )
            except DomainError as exc:
                domain_error_status(exc, form)
    else:
        form = TicketIntakeForm(locations=locations)
    opened = sum(1 for row in rows if row.ticket)
    if opened:
        refused = len(rows) - opened
        messages.success(
            request,
            f"Opened {opened} ticket{'s' if opened != 1 else ''}"
            + (f"; {refused} scan{'s' if refused != 1 else ''} refused, listed below." if refused else "."),
        )
    context = {"form": form, "rows": rows, "opened": opened}
    template = (
        "repairs/ticket_intake.html#intake-form" if is_partial(request) else "repairs/ticket_intake.html"
    )
    return _vary(render(request, template, context))
