"""Writes are scoped like reads: the matrix of every write operation against every role.

The operations come from the URL list: every API operation that writes (POST, PUT, PATCH,
DELETE) and every HTML view that accepts a POST, found by walking config's URL resolver. Each
has an entry in ``WRITES`` saying how to send it with ids from *another* scope: another
school's location, device, ticket, loan or audit (school administrators see their own schools
only), another person's time entry, timesheet or overtime request (pay and time are private to
the person, their supervisor and administrators), a technician who is nobody's delegate, a
ticket that is not the caller's, a line of another purchase order. Every role sends it; the
answer must be a refusal (403, 404, 400, or for a page its form or panel re-rendered with the
error, or a redirect carrying an error message) and no row of any table may change.

A role that sees every row the operation names has no other scope to try: such cells are
listed in the entry's ``unscoped`` with the reason, so every (operation, role) pair is decided
explicitly. Writes that name no record by id (signing in, one's own password and token) are
listed in ``NAMES_NO_RECORD`` with the reason. ``test_every_write_operation_is_in_the_matrix``
fails when a write endpoint is added in neither list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.forms import BaseForm
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from accounts.services import tokens as token_services
from fleet.choices import DeviceStatus, ImportMappingKind
from fleet.models import ImportJob, ImportMapping
from repairs.choices import PurchaseOrderStatus, TicketStatus
from staff.choices import OvertimeRequestStatus, TimesheetStatus
from students.choices import ChargeStatus
from tests.accounts.factories import (
    OvertimeRequestFactory,
    OvertimeRuleFactory,
    StaffProfileFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)
from tests.fleet.factories import DeviceFactory, LoanFactory, LocationAuditFactory, LocationFactory
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    TicketFactory,
)
from tests.students.factories import ChargeFactory, FeeRuleFactory, HandoutFactory, StudentFactory

pytestmark = pytest.mark.django_db

ROLES = ("technician", "supervisor", "procurement", "school_admin", "admin")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Writes that name no record by id: the caller acts on their own account (or on a username or
# address they type), so there is no other scope's id to send. Listed so that a new write
# endpoint still has to be placed here or in WRITES.
NAMES_NO_RECORD = {
    "accounts:login POST": "the sign-in form: a username and a password",
    "accounts:login PUT": "LoginView answers PUT like POST: the same sign-in form",
    "accounts:logout POST": "ends the caller's own session",
    "accounts:password_change POST": "changes the caller's own password",
    "accounts:password_change PUT": "PasswordChangeView answers PUT like POST",
    "accounts:password_reset POST": "mails a reset link to an address typed in, whatever it is",
    "accounts:password_reset PUT": "PasswordResetView answers PUT like POST",
    "accounts:password_reset_confirm POST": "the signed link names the account, not an id",
    "accounts:password_reset_confirm PUT": "PasswordResetConfirmView answers PUT like POST",
    "accounts:token_create POST": "creates a token for the caller only",
    "notifications:preference_edit POST": "the caller's own reminder choices",
    "students:agreement_list POST": "a new version of the district-wide agreement text, naming no record",
}
# The Django admin is for administrators only and answers to its own permissions.
IGNORED_NAMESPACES = ("admin",)


# Discovery ---------------------------------------------------------------------------------------


def _patterns(
    patterns: list[URLPattern | URLResolver], namespace: tuple[str, ...] = ()
) -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, inner)
        elif pattern.name:
            yield ":".join((*namespace, pattern.name)), pattern.callback


def _write_methods(callback: Any) -> list[str]:
    """The writing methods a view answers: a class view's handlers, or the list a function view's
    ``require_POST``/``require_http_methods`` decorator holds in its closure."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return [method for method in WRITE_METHODS if hasattr(view_class, method.lower())]
    function = callback
    while function is not None:
        for cell in function.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) for m in value):
                return [method for method in WRITE_METHODS if method in value]
        function = getattr(function, "__wrapped__", None)
    raise AssertionError(f"{callback!r} names no HTTP methods: decorate it with require_GET/require_POST")


def discovered_writes() -> set[str]:
    """Every write operation in the URL list, as ``"<url name> <METHOD>"``."""
    writes: set[str] = set()
    for name, callback in _patterns(get_resolver().url_patterns):
        if name.split(":")[0] not in IGNORED_NAMESPACES:
            writes |= {f"{name} {method}" for method in _write_methods(callback)}
    return writes


# The world: one of each thing in the caller's scope's neighbour -------------------------------------


@dataclass
class World:
    """The callers, and records of another scope than theirs.

    ``school_b`` is not the school administrator's; ``other_tech`` is supervised by
    ``other_supervisor``, so neither the technician, the supervisor, procurement nor the school
    administrator may see their time or overtime. District staff see every location, device,
    ticket and part, so those cells of the matrix are ``unscoped`` for them.
    """

    users: dict[str, User]
    school_a: Any
    school_b: Any
    own_device: Any
    device_b: Any
    spare_device_b: Any
    loaner_b: Any
    ticket_b: Any
    loan_b: Any
    audit_b: Any
    retired_b: Any
    part: Any
    depot: Any
    other_depot: Any
    po_draft: Any
    po_sent: Any
    other_tech: User
    other_supervisor: User
    entry_b: Any
    open_week_b: Any
    submitted_week_b: Any
    overtime_b: Any
    emergency_b: Any
    token_b: Any
    mapping: Any
    import_job: Any
    charge_b: Any
    handout_b: Any
    fee_rule: Any


def build_world() -> World:
    today = timezone.localdate()
    school_a = LocationFactory.create(name="Maple Elementary")
    school_b = LocationFactory.create(name="Birch Middle")
    other_supervisor = UserFactory.create(roles=[Role.SUPERVISOR])
    StaffProfileFactory.create(user=other_supervisor, grade_number=25)
    other_tech = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=other_tech, grade_number=20, supervisor=other_supervisor)
    supervisor = UserFactory.create(roles=[Role.SUPERVISOR])
    StaffProfileFactory.create(user=supervisor, grade_number=25)
    technician = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=technician, grade_number=20, supervisor=supervisor)
    school_admin = UserFactory.create(roles=[Role.SCHOOL_ADMIN])
    StaffProfileFactory.create(user=school_admin, grade_number=None, locations=[school_a])
    users = {
        "technician": technician,
        "supervisor": supervisor,
        "procurement": UserFactory.create(roles=[Role.PROCUREMENT]),
        "school_admin": school_admin,
        "admin": UserFactory.create(roles=[Role.ADMIN], is_staff=True),
    }
    device_b = DeviceFactory.create(location=school_b)
    ticket_b = TicketFactory.create(
        device=device_b, status=TicketStatus.IN_PROGRESS, assignee=other_tech, reporter=other_tech
    )
    part = PartFactory.create()
    part.compatible_models.add(device_b.model)
    depot, other_depot = StockLocationFactory.create(), StockLocationFactory.create()
    StockLevelFactory.create(part=part, stock_location=depot, on_hand=10)
    po_draft = PurchaseOrderFactory.create(created_by=users["procurement"])
    PurchaseOrderLineFactory.create(order=po_draft)
    po_sent = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT, created_by=users["procurement"])
    PurchaseOrderLineFactory.create(order=po_sent)
    rule = OvertimeRuleFactory.create(grade_min=18, grade_max=25)
    week = today - dt.timedelta(days=(today.weekday() + 1) % 7)  # the Sunday starting this week
    return World(
        users=users,
        school_a=school_a,
        school_b=school_b,
        own_device=DeviceFactory.create(location=school_a),
        device_b=device_b,
        spare_device_b=DeviceFactory.create(location=school_b),
        loaner_b=DeviceFactory.create(location=school_b, is_loaner=True, status=DeviceStatus.LOANER_POOL),
        ticket_b=ticket_b,
        loan_b=LoanFactory.create(loaner__location=school_b, ticket__device__location=school_b),
        audit_b=LocationAuditFactory.create(location=school_b),
        retired_b=DeviceFactory.create(location=school_b, status=DeviceStatus.RETIRED, model=device_b.model),
        part=part,
        depot=depot,
        other_depot=other_depot,
        po_draft=po_draft,
        po_sent=po_sent,
        other_tech=other_tech,
        other_supervisor=other_supervisor,
        entry_b=TimeEntryFactory.create(user=other_tech, work_date=today - dt.timedelta(days=1)),
        open_week_b=TimesheetFactory.create(
            user=other_tech, week_start=week + dt.timedelta(weeks=-3), rule=rule
        ),
        submitted_week_b=TimesheetFactory.create(
            user=other_tech,
            week_start=week - dt.timedelta(weeks=4),
            rule=rule,
            status=TimesheetStatus.SUBMITTED,
        ),
        overtime_b=OvertimeRequestFactory.create(requester=other_tech, rule=rule),
        emergency_b=OvertimeRequestFactory.create(
            requester=other_tech,
            rule=rule,
            is_emergency=True,
            status=OvertimeRequestStatus.APPROVED,
            decided_by=other_supervisor,
            decided_at=timezone.now(),
        ),
        token_b=token_services.token_create(user=other_tech)[0],
        mapping=ImportMapping.objects.create(
            kind=ImportMappingKind.LOCATION, key="Surplus", key_normalised="surplus", location=school_b
        ),
        import_job=ImportJob.objects.create(
            requested_by=other_supervisor, file_name="gam.csv", file_format="auto", storage_name="x.csv"
        ),
        charge_b=ChargeFactory.create(
            student=StudentFactory.create(school=school_b), device=device_b, status=ChargeStatus.PROPOSED
        ),
        fee_rule=FeeRuleFactory.create(device_model=None),
        handout_b=HandoutFactory.create(
            student=StudentFactory.create(school=school_b),
            device=DeviceFactory.create(location=school_b),
            handed_out_by=other_tech,
        ),
    )


# The matrix ------------------------------------------------------------------------------------

# Why a role has no other scope to try: it sees every row of what the operation names.
DISTRICT = "district staff see every location, device, ticket and loan (fleet.models.visible_location_ids)"
STOCK = "parts and stock locations are district-wide for every role that moves stock"
BUYER = "buyers see every purchase order, vendor and part"
ADMIN_PAY = "administrators see and correct everyone's time and pay"
ADMIN_OVERTIME = "administrators decide everyone's overtime"
NO_RECORD = "the operation names no record of another scope"
IMPORT_MAPPINGS = "import mappings are district-wide, for those who import devices (who see every location)"
IMPORT_JOBS = "the import history is district-wide, for those who import devices"
ROSTERS = "the roster is district-wide, for those who import rosters (who see every location)"
DEVICE_WORKERS = {"technician": DISTRICT, "supervisor": DISTRICT, "admin": DISTRICT}
CHARGES = "supervisors and administrators manage every school's students' charges"
CHARGE_MANAGERS = {"supervisor": CHARGES, "admin": CHARGES}
FEES = "the fee schedule and the hold are district-wide, for those who edit the one-to-one policy"
FEE_EDITORS = {"supervisor": FEES, "admin": FEES}
CHARGE_B = {"version": 1, "reason": "x", "amount": "1.00", "method": "cash"}


@dataclass(frozen=True)
class Write:
    """How to send one write with another scope's ids; ``unscoped`` roles are not sent."""

    url: Callable[[World], str]
    data: Callable[[World], Mapping[str, Any]] = lambda w: {}
    unscoped: Mapping[str, str] = field(default_factory=dict)


def _u(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w).pk for arg in args])


TICKET_B = {"version": 1}

WRITES: dict[str, Write] = {
    # accounts
    "accounts:token_revoke POST": Write(
        lambda w: reverse("accounts:token_revoke", args=[w.token_b.token_key])
    ),
    "accounts:lockout_clear POST": Write(
        _u("accounts:lockout_clear"),
        lambda w: {"kind": "username", "value": w.other_tech.username},
        {"admin": "administrators unlock any sign-in (a username or address, not a record id)"},
    ),
    # fleet pages
    "fleet:device_change_status POST": Write(
        _u("fleet:device_change_status", lambda w: w.device_b),
        lambda w: {"to_status": DeviceStatus.IN_REPAIR, "reason": "x", "version": w.device_b.version},
        DEVICE_WORKERS,
    ),
    "fleet:device_vehicle_check_out POST": Write(
        _u("fleet:device_vehicle_check_out", lambda w: w.device_b), unscoped=DEVICE_WORKERS
    ),
    "fleet:device_vehicle_check_in POST": Write(
        _u("fleet:device_vehicle_check_in", lambda w: w.device_b),
        lambda w: {"to_location": w.school_b.pk},
        DEVICE_WORKERS,
    ),
    "fleet:device_variant_confirm POST": Write(
        _u("fleet:device_variant_confirm", lambda w: w.device_b),
        lambda w: {"model": w.device_b.model_id, "version": w.device_b.version},
        DEVICE_WORKERS,
    ),
    "fleet:device_import_answer POST": Write(
        _u("fleet:device_import_answer"),
        lambda w: {"token": "x", "q-0-kind": "location", "q-0-key": "Annex", "q-0-target": w.school_b.code},
        {"supervisor": NO_RECORD + " (a preview token of the caller's own)", "admin": NO_RECORD},
    ),
    "fleet:import_mapping_edit POST": Write(
        _u("fleet:import_mapping_edit", lambda w: w.mapping),
        lambda w: {"key": "Surplus", "target": w.school_a.code},
        {"supervisor": IMPORT_MAPPINGS, "admin": IMPORT_MAPPINGS},
    ),
    "fleet:import_mapping_delete POST": Write(
        _u("fleet:import_mapping_delete", lambda w: w.mapping),
        unscoped={"supervisor": IMPORT_MAPPINGS, "admin": IMPORT_MAPPINGS},
    ),
    "fleet:device_import POST": Write(
        _u("fleet:device_import"),
        unscoped={"supervisor": DISTRICT, "admin": DISTRICT},
    ),
    "fleet:import_job_cancel POST": Write(
        _u("fleet:import_job_cancel", lambda w: w.import_job),
        unscoped={"supervisor": IMPORT_JOBS, "admin": IMPORT_JOBS},
    ),
    "fleet:device_import_confirm POST": Write(
        _u("fleet:device_import_confirm"),
        lambda w: {"token": "x"},
        {"supervisor": NO_RECORD + " (a preview token of the caller's own)", "admin": NO_RECORD},
    ),
    # students: the roster import (district-wide, for those who import rosters)
    "students:roster_import POST": Write(
        _u("students:roster_import"), unscoped={"supervisor": ROSTERS, "admin": ROSTERS}
    ),
    "students:roster_import_answer POST": Write(
        _u("students:roster_import_answer"),
        lambda w: {"token": "x", "org_key": "EES", "location": w.school_b.code},
        {"supervisor": NO_RECORD + " (a preview token of the caller's own)", "admin": NO_RECORD},
    ),
    "students:roster_import_confirm POST": Write(
        _u("students:roster_import_confirm"),
        lambda w: {"token": "x"},
        {"supervisor": NO_RECORD + " (a preview token of the caller's own)", "admin": NO_RECORD},
    ),
    "students:roster_job_cancel POST": Write(
        lambda w: reverse("students:roster_job_cancel", args=[w.import_job.pk]),
        unscoped={"supervisor": ROSTERS, "admin": ROSTERS},
    ),
    "fleet:scan_vehicle_add POST": Write(
        _u("fleet:scan_vehicle_add"), lambda w: {"code": w.device_b.asset_tag}, DEVICE_WORKERS
    ),
    "fleet:vehicle_check_out POST": Write(
        _u("fleet:vehicle_check_out"), lambda w: {"device_id": w.device_b.pk}, DEVICE_WORKERS
    ),
    "fleet:scan_check_in_add POST": Write(
        _u("fleet:scan_check_in_add"),
        lambda w: {"code": w.device_b.asset_tag, "location": w.school_b.pk},
        DEVICE_WORKERS,
    ),
    "fleet:vehicle_check_in POST": Write(
        _u("fleet:vehicle_check_in"),
        lambda w: {"location": w.school_b.pk, "device_id": w.device_b.pk},
        DEVICE_WORKERS,
    ),
    "fleet:scan_collection_add POST": Write(
        _u("fleet:scan_collection_add"),
        lambda w: {"location": w.school_b.pk, "code": w.device_b.asset_tag},
        DEVICE_WORKERS,
    ),
    "fleet:location_audit_start POST": Write(
        _u("fleet:location_audit_start"), lambda w: {"location": w.school_b.pk}, DEVICE_WORKERS
    ),
    "fleet:location_audit_scan POST": Write(
        _u("fleet:location_audit_scan", lambda w: w.audit_b),
        lambda w: {"code": w.device_b.asset_tag},
        DEVICE_WORKERS,
    ),
    "fleet:location_audit_finish POST": Write(
        _u("fleet:location_audit_finish", lambda w: w.audit_b), unscoped=DEVICE_WORKERS
    ),
    # loaners
    "loans:loan_check_out POST": Write(
        _u("loans:loan_check_out", lambda w: w.school_b),
        lambda w: {"ticket_id": w.ticket_b.pk, "code": w.loaner_b.asset_tag, "borrower_id": "S1234567"},
        DEVICE_WORKERS,
    ),
    "loans:loan_return POST": Write(_u("loans:loan_return", lambda w: w.loan_b), unscoped=DEVICE_WORKERS),
    # tickets
    "repairs:ticket_open POST": Write(
        _u("repairs:ticket_open"),
        lambda w: (
            {"code": w.spare_device_b.asset_tag, "symptom": "screen", "damage_cause": "unknown"}
            | {"priority": "normal"}
        ),
        DEVICE_WORKERS,
    ),
    "repairs:ticket_intake POST": Write(
        _u("repairs:ticket_intake"),
        lambda w: (
            {"codes": w.spare_device_b.asset_tag, "symptom": "screen", "damage_cause": "unknown"}
            | {"priority": "normal", "location": w.school_b.pk}
        ),
        DEVICE_WORKERS,
    ),
    "repairs:ticket_issue_part POST": Write(
        _u("repairs:ticket_issue_part", lambda w: w.ticket_b),
        lambda w: {"part": w.part.pk, "stock_location": w.depot.pk, "quantity": 1},
        DEVICE_WORKERS,
    ),
    "repairs:ticket_transition POST": Write(
        _u("repairs:ticket_transition", lambda w: w.ticket_b),
        lambda w: {"to_status": TicketStatus.WAITING_FOR_PARTS} | TICKET_B,
        DEVICE_WORKERS,
    ),
    "repairs:ticket_assign POST": Write(
        _u("repairs:ticket_assign", lambda w: w.ticket_b),
        lambda w: {"assignee": ""} | TICKET_B,
        DEVICE_WORKERS,
    ),
    "repairs:ticket_escalate POST": Write(
        _u("repairs:ticket_escalate", lambda w: w.ticket_b), lambda w: TICKET_B, DEVICE_WORKERS
    ),
    "repairs:ticket_update_vendor POST": Write(
        _u("repairs:ticket_update_vendor", lambda w: w.ticket_b),
        lambda w: {"vendor_reference": "RMA1"} | TICKET_B,
        DEVICE_WORKERS,
    ),
    "repairs:ticket_record_work POST": Write(
        _u("repairs:ticket_record_work", lambda w: w.ticket_b),
        lambda w: {"problem_summary": "x", "labour_minutes": 5} | TICKET_B,
        DEVICE_WORKERS,
    ),
    "repairs:ticket_loaner_check_out POST": Write(
        _u("repairs:ticket_loaner_check_out", lambda w: w.ticket_b),
        lambda w: {"code": w.loaner_b.asset_tag, "borrower_id": "S1234567"},
        DEVICE_WORKERS,
    ),
    "repairs:ticket_loaner_return POST": Write(
        _u("repairs:ticket_loaner_return", lambda w: w.loan_b.ticket), unscoped=DEVICE_WORKERS
    ),
    # parts, stock and purchase orders
    "repairs:stock_adjust POST": Write(
        _u("repairs:stock_adjust"),
        lambda w: {"part": w.part.pk, "stock_location": w.depot.pk, "quantity": 1, "reason": "count"},
        {"supervisor": STOCK, "admin": STOCK},
    ),
    "repairs:stock_transfer POST": Write(
        _u("repairs:stock_transfer"),
        lambda w: (
            {"part": w.part.pk, "from_location": w.depot.pk, "to_location": w.other_depot.pk}
            | {"quantity": 1}
        ),
        {"technician": STOCK, "supervisor": STOCK, "admin": STOCK},
    ),
    "repairs:purchase_order_create POST": Write(
        _u("repairs:purchase_order_create"),
        lambda w: {"vendor": w.part.vendor_id, "ship_to": w.depot.pk, "part_0": w.part.pk, "quantity_0": 1},
        {"procurement": BUYER, "admin": BUYER},
    ),
    "repairs:purchase_order_send POST": Write(
        _u("repairs:purchase_order_send", lambda w: w.po_draft),
        unscoped={"procurement": BUYER, "admin": BUYER},
    ),
    "repairs:purchase_order_cancel POST": Write(
        _u("repairs:purchase_order_cancel", lambda w: w.po_draft),
        unscoped={"procurement": BUYER, "admin": BUYER},
    ),
    "repairs:purchase_order_receive POST": Write(
        _u("repairs:purchase_order_receive", lambda w: w.po_sent),
        lambda w: {f"quantity_{line.pk}": 1 for line in w.po_draft.lines.all()},
    ),
    # time and pay
    "staff:time_entry_create POST": Write(
        _u("staff:time_entry_create"),
        lambda w: (
            {"work_date": f"{timezone.localdate():%Y-%m-%d}", "kind": "regular", "hours": "1"}
            | {"location": w.school_b.pk}
        ),
        {"technician": DISTRICT, "supervisor": DISTRICT, "procurement": DISTRICT, "admin": DISTRICT},
    ),
    "staff:time_entry_edit POST": Write(
        _u("staff:time_entry_edit", lambda w: w.entry_b),
        lambda w: {"work_date": f"{w.entry_b.work_date:%Y-%m-%d}", "kind": "regular", "hours": "2"},
        unscoped={"admin": ADMIN_PAY},
    ),
    "staff:time_entry_delete POST": Write(
        _u("staff:time_entry_delete", lambda w: w.entry_b), unscoped={"admin": ADMIN_PAY}
    ),
    "staff:timesheet_submit POST": Write(
        _u("staff:timesheet_submit", lambda w: w.open_week_b), lambda w: {"version": w.open_week_b.version}
    ),
    "staff:timesheet_sign_off POST": Write(
        _u("staff:timesheet_sign_off", lambda w: w.submitted_week_b),
        lambda w: {"version": w.submitted_week_b.version},
        {"admin": ADMIN_PAY},
    ),
    "staff:timesheet_reopen POST": Write(
        _u("staff:timesheet_reopen", lambda w: w.submitted_week_b),
        lambda w: {"version": w.submitted_week_b.version},
        {"admin": ADMIN_PAY},
    ),
    # overtime
    "staff:overtime_request_create POST": Write(
        _u("staff:overtime_request_create"),
        lambda w: (
            {"work_date": f"{timezone.localdate():%Y-%m-%d}", "expected_hours": "2", "reason": "x"}
            | {"tickets": [w.ticket_b.pk]}
        ),
    ),
    "staff:overtime_request_cancel POST": Write(
        _u("staff:overtime_request_cancel", lambda w: w.overtime_b), lambda w: {"version": 1}
    ),
    "staff:overtime_request_approve POST": Write(
        _u("staff:overtime_request_approve", lambda w: w.overtime_b),
        lambda w: {"version": 1},
        {"admin": ADMIN_OVERTIME},
    ),
    "staff:overtime_request_deny POST": Write(
        _u("staff:overtime_request_deny", lambda w: w.overtime_b),
        lambda w: {"version": 1, "comment": "no"},
        {"admin": ADMIN_OVERTIME},
    ),
    "staff:overtime_emergency_review POST": Write(
        _u("staff:overtime_emergency_review", lambda w: w.emergency_b),
        lambda w: {"version": 1},
        {"admin": ADMIN_OVERTIME},
    ),
    "staff:overtime_delegation_create POST": Write(
        _u("staff:overtime_delegation_create"),
        lambda w: (
            {"delegate": w.other_tech.pk, "starts_on": f"{timezone.localdate():%Y-%m-%d}"}
            | {"ends_on": f"{timezone.localdate():%Y-%m-%d}"}
        ),
    ),
    "staff:overtime_rule_create POST": Write(_u("staff:overtime_rule_create"), unscoped={"admin": NO_RECORD}),
    # Google sync (unconfigured in tests: refused, nothing recorded)
    "fleet:google_sync_start POST": Write(
        _u("fleet:google_sync_start"), unscoped={"supervisor": NO_RECORD, "admin": NO_RECORD}
    ),
    "api:google-sync-start POST": Write(
        _u("api:google-sync-start"), unscoped={"supervisor": NO_RECORD, "admin": NO_RECORD}
    ),
    # forecast
    "forecasting:forecast_run_create POST": Write(
        _u("forecasting:forecast_run_create"), unscoped={"procurement": NO_RECORD, "admin": NO_RECORD}
    ),
    "forecasting:suggestion_order POST": Write(
        _u("forecasting:suggestion_order"), unscoped={"procurement": BUYER, "admin": BUYER}
    ),
    # API: tickets, parts and stock
    "api:ticket-list POST": Write(
        # The leak of issue 14: their own device, another school's location.
        _u("api:ticket-list"),
        lambda w: {"asset_tag": w.own_device.asset_tag, "symptom": "screen", "location": w.school_b.pk},
        DEVICE_WORKERS,
    ),
    # students: hand-out and collection by scan (another school's student, device and hand-out)
    "students:handout_scan POST": Write(
        _u("students:handout_scan"),
        lambda w: {
            "step": "confirm",
            "student": w.handout_b.student.identifier,
            "device": w.spare_device_b.asset_tag,
            "charger": 0,
            "case": 0,
            "stylus": 0,
            "condition_out": "good",
            "signed_by": "paper",
        },
        DEVICE_WORKERS,
    ),
    "students:collect_scan POST": Write(
        _u("students:collect_scan"),
        lambda w: {"step": "collect", "handout": w.handout_b.pk, "condition_in": "good"},
        DEVICE_WORKERS,
    ),
    # students: charges, receipts and the fee schedule
    "students:charge_confirm POST": Write(
        _u("students:charge_confirm", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "students:charge_waive POST": Write(
        _u("students:charge_waive", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "students:charge_pay POST": Write(
        _u("students:charge_pay", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "students:ticket_charge_propose POST": Write(
        _u("students:ticket_charge_propose", lambda w: w.ticket_b), unscoped=DEVICE_WORKERS
    ),
    "students:fee_rule_save POST": Write(
        _u("students:fee_rule_save"),
        lambda w: {"damage_cause": "lost", "amount": "10.00"},
        FEE_EDITORS,
    ),
    "students:fee_rule_delete POST": Write(
        _u("students:fee_rule_delete", lambda w: w.fee_rule), unscoped=FEE_EDITORS
    ),
    "students:charge_policy_update POST": Write(
        _u("students:charge_policy_update"), lambda w: {"hold_threshold": "5.00"}, FEE_EDITORS
    ),
    "api:charge-confirm POST": Write(
        _u("api:charge-confirm", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "api:charge-waive POST": Write(
        _u("api:charge-waive", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "api:charge-pay POST": Write(
        _u("api:charge-pay", lambda w: w.charge_b), lambda w: CHARGE_B, CHARGE_MANAGERS
    ),
    "api:ticket-transition POST": Write(
        _u("api:ticket-transition", lambda w: w.ticket_b),
        lambda w: {"to_status": TicketStatus.WAITING_FOR_PARTS} | TICKET_B,
        DEVICE_WORKERS,
    ),
    "api:ticket-parts POST": Write(
        _u("api:ticket-parts", lambda w: w.ticket_b),
        lambda w: {"action": "issue", "part": w.part.pk, "stock_location": w.depot.pk},
        DEVICE_WORKERS,
    ),
    "api:stock-harvest POST": Write(
        _u("api:stock-harvest"),
        lambda w: {"part": w.part.pk, "stock_location": w.depot.pk, "source_device": w.retired_b.asset_tag},
        DEVICE_WORKERS,
    ),
    "api:purchase-order-list POST": Write(
        _u("api:purchase-order-list"),
        lambda w: (
            {"vendor": w.part.vendor_id, "ship_to": w.depot.pk}
            | {"lines": [{"part": w.part.pk, "quantity": 1, "unit_cost": "1.00"}]}
        ),
        {"procurement": BUYER, "admin": BUYER},
    ),
    "api:purchase-order-send POST": Write(
        _u("api:purchase-order-send", lambda w: w.po_draft), unscoped={"procurement": BUYER, "admin": BUYER}
    ),
    "api:purchase-order-receive POST": Write(
        # A line of another order: refused for the buyers too.
        _u("api:purchase-order-receive", lambda w: w.po_sent),
        lambda w: {"lines": [{"line": w.po_draft.lines.get().pk, "quantity": 1, "unit_cost": "1.00"}]},
    ),
    "api:purchase-order-cancel POST": Write(
        _u("api:purchase-order-cancel", lambda w: w.po_draft), unscoped={"procurement": BUYER, "admin": BUYER}
    ),
    "api:device-import POST": Write(
        _u("api:device-import"), unscoped={"supervisor": DISTRICT, "admin": DISTRICT}
    ),
    "api:roster-import POST": Write(
        _u("api:roster-import"), unscoped={"supervisor": ROSTERS, "admin": ROSTERS}
    ),
    "api:import-job-cancel POST": Write(
        _u("api:import-job-cancel", lambda w: w.import_job),
        unscoped={"supervisor": IMPORT_JOBS, "admin": IMPORT_JOBS},
    ),
    "api:import-mapping-list POST": Write(
        _u("api:import-mapping-list"),
        lambda w: {"kind": "location", "key": "Annex", "target": w.school_b.code},
        {"supervisor": IMPORT_MAPPINGS, "admin": IMPORT_MAPPINGS},
    ),
    "api:forecast-run-list POST": Write(
        _u("api:forecast-run-list"), unscoped={"procurement": NO_RECORD, "admin": NO_RECORD}
    ),
    # API: time and pay
    "api:time-entry-list POST": Write(
        _u("api:time-entry-list"),
        lambda w: (
            {"work_date": f"{timezone.localdate():%Y-%m-%d}", "kind": "regular", "hours": "1"}
            | {"location_id": w.school_b.pk}
        ),
        {"technician": DISTRICT, "supervisor": DISTRICT, "procurement": DISTRICT, "admin": DISTRICT},
    ),
    "api:time-entry-detail PATCH": Write(
        _u("api:time-entry-detail", lambda w: w.entry_b), lambda w: {"hours": "2"}, {"admin": ADMIN_PAY}
    ),
    "api:time-entry-detail DELETE": Write(
        _u("api:time-entry-detail", lambda w: w.entry_b), unscoped={"admin": ADMIN_PAY}
    ),
    "api:timesheet-submit POST": Write(
        _u("api:timesheet-submit", lambda w: w.open_week_b), lambda w: {"version": w.open_week_b.version}
    ),
    "api:timesheet-sign-off POST": Write(
        _u("api:timesheet-sign-off", lambda w: w.submitted_week_b),
        lambda w: {"version": w.submitted_week_b.version},
        {"admin": ADMIN_PAY},
    ),
    "api:timesheet-reopen POST": Write(
        _u("api:timesheet-reopen", lambda w: w.submitted_week_b),
        lambda w: {"version": w.submitted_week_b.version},
        {"admin": ADMIN_PAY},
    ),
    # API: overtime
    "api:overtime-rule-list POST": Write(_u("api:overtime-rule-list"), unscoped={"admin": NO_RECORD}),
    "api:overtime-request-list POST": Write(
        _u("api:overtime-request-list"),
        lambda w: (
            {"work_date": f"{timezone.localdate():%Y-%m-%d}", "expected_hours": "2", "reason": "x"}
            | {"tickets": [w.ticket_b.pk]}
        ),
    ),
    "api:overtime-request-approve POST": Write(
        _u("api:overtime-request-approve", lambda w: w.overtime_b),
        lambda w: {"version": 1},
        {"admin": ADMIN_OVERTIME},
    ),
    "api:overtime-request-deny POST": Write(
        _u("api:overtime-request-deny", lambda w: w.overtime_b),
        lambda w: {"version": 1, "comment": "no"},
        {"admin": ADMIN_OVERTIME},
    ),
    "api:overtime-request-cancel POST": Write(
        _u("api:overtime-request-cancel", lambda w: w.overtime_b), lambda w: {"version": 1}
    ),
}


# Checking a refusal ----------------------------------------------------------------------------

SNAPSHOT_SKIPPED = {Session}  # signing in and flash messages live in the session


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the project owns or uses (sessions aside), in primary-key order."""
    rows = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model in SNAPSHOT_SKIPPED:
            continue
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values_list())
    return rows


def changed_tables(before: Mapping[str, list[Any]], after: Mapping[str, list[Any]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


ERROR_KEYS = ("error", "action_error", "row_error", "custody_error", "no_week")


def shows_refusal(response: Any) -> bool:
    """A page's refusal: the form or panel re-rendered with an error (200), or a redirect that
    carries an error message to the next page (302)."""
    if response.status_code == 302:
        return any(m.level == message_levels.ERROR for m in get_messages(response.wsgi_request))
    if response.status_code != 200 or response.context is None:
        return False
    for context in response.context:
        for key, value in context.flatten().items():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
            if key in ERROR_KEYS and value:
                return True
    return False


def send(client: Client | APIClient, method: str, url: str, data: Mapping[str, Any], *, api: bool) -> Any:
    if api:
        return getattr(client, method.lower())(url, data, format="json")
    return client.post(url, data)


def refused(response: Any, *, api: bool) -> bool:
    if response.status_code in (400, 403, 404):
        return True
    return not api and shows_refusal(response)


# Tests -----------------------------------------------------------------------------------------


def test_every_write_operation_is_in_the_matrix():
    discovered, listed = discovered_writes(), WRITES.keys() | NAMES_NO_RECORD.keys()

    assert sorted(discovered - listed) == [], "write operations in neither WRITES nor NAMES_NO_RECORD"
    assert sorted(listed - discovered) == [], "listed operations that no longer exist"
    assert not WRITES.keys() & NAMES_NO_RECORD.keys()


def test_every_unscoped_cell_names_a_role_and_a_reason():
    for key, write in WRITES.items():
        assert set(write.unscoped) <= set(ROLES), key
        assert all(reason for reason in write.unscoped.values()), key
        assert set(write.unscoped) != set(ROLES), f"{key}: no role is sent it"


@pytest.mark.parametrize("key", sorted(WRITES))
def test_write_with_another_scopes_ids_is_refused_and_writes_nothing(key: str):
    name, method = key.rsplit(" ", 1)
    api = name.startswith("api:")
    world = build_world()
    write = WRITES[key]
    clients: dict[str, Client | APIClient] = {}
    for role in ROLES:
        if role in write.unscoped:
            continue
        if api:
            api_client = APIClient()
            api_client.force_authenticate(world.users[role])
            clients[role] = api_client
        else:
            page_client = Client()
            page_client.force_login(world.users[role])
            clients[role] = page_client
    url, data = write.url(world), dict(write.data(world))
    before = snapshot()
    failures = []
    for role, client in clients.items():
        response = send(client, method, url, data, api=api)
        after = snapshot()
        if not refused(response, api=api):
            failures.append(f"{role}: answered {response.status_code}, not a refusal")
        if changed := changed_tables(before, after):
            failures.append(f"{role}: wrote to {', '.join(changed)}")
        before = after

    assert failures == []
