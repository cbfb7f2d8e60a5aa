"""Reads of students for pages and endpoints, narrowed to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from core.models import MAX_ID
from fleet.models import Location
from repairs.models import Ticket
from students import permissions
from students.models import Charge, ChargePolicy, FeeRule, Handout, Payment, Student


def student_list(*, user: User | AnonymousUser) -> QuerySet[Student]:
    return Student.objects.visible_to(user).select_related("school")


def student_get(*, user: User | AnonymousUser, student_id: int) -> Student:
    """Raises Http404 for a student the user may not see."""
    if not 0 < student_id <= MAX_ID:
        raise Http404
    try:
        return student_list(user=user).get(pk=student_id)
    except Student.DoesNotExist as exc:
        raise Http404 from exc


def student_find(*, user: User | AnonymousUser, identifier: str) -> Student | None:
    """The student with this exact ID (as scanned or typed), if the user may see them."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return student_list(user=user).filter(identifier__iexact=identifier).first()


# Charges -------------------------------------------------------------------------------------


def charge_list(*, user: User | AnonymousUser, filters: Mapping[str, str] | None = None) -> QuerySet[Charge]:
    """Charges of the students the user sees, newest first, for those who manage charges.

    School administrators see their own schools' students' charges; roles that do not manage
    charges see none.
    """
    from students.filters import ChargeFilterSet

    if not permissions.can_manage_charges(user):
        return Charge.objects.none()
    charges = Charge.objects.select_related("student", "student__school", "device", "device__model")
    locations = Location.objects.visible_to(user)
    if locations.query.where:
        charges = charges.filter(student__school__in=locations.values("pk"))
    return ChargeFilterSet(filters or {}, queryset=charges).qs


def charge_get(*, user: User | AnonymousUser, charge_id: int) -> Charge:
    """Raises Http404 for a charge the user may not see."""
    if not 0 < charge_id <= MAX_ID:
        raise Http404
    try:
        return (
            charge_list(user=user)
            .select_related("ticket", "handout", "fee_rule", "created_by")
            .get(pk=charge_id)
        )
    except Charge.DoesNotExist as exc:
        raise Http404 from exc


def charge_payments(*, charge: Charge) -> QuerySet[Payment]:
    return charge.payments.select_related("received_by").order_by("received_at", "pk")


def payment_get(*, user: User | AnonymousUser, payment_id: int) -> Payment:
    """A payment on a charge the user sees (Http404 otherwise), with what its receipt prints."""
    if not 0 < payment_id <= MAX_ID:
        raise Http404
    payment = (
        Payment.objects.filter(charge__in=charge_list(user=user).values("pk"))
        .select_related("charge", "charge__student", "charge__device", "charge__device__model", "received_by")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise Http404
    return payment


def payment_paid_through(*, payment: Payment) -> Decimal:
    """What the charge had been paid once this payment was taken (the receipt's running total)."""
    earlier = payment.charge.payments.filter(
        Q(received_at__lt=payment.received_at) | Q(received_at=payment.received_at, pk__lte=payment.pk)
    )
    return earlier.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def fee_rule_list() -> QuerySet[FeeRule]:
    return FeeRule.objects.select_related("device_model", "device_model__manufacturer").order_by(
        "damage_cause", F("device_model__name").asc(nulls_first=True)
    )


def charge_policy() -> ChargePolicy:
    """The hold policy row, created with its defaults the first time it is read."""
    policy, _ = ChargePolicy.objects.get_or_create(pk=1)
    return policy


def ticket_handout(*, ticket: Ticket) -> Handout | None:
    """The hand-out the ticket's device was in when the damage was reported: the one the ticket
    was opened from at collection, else the one open when the ticket was opened."""
    linked = Handout.objects.filter(ticket=ticket).select_related("student").first()
    if linked is not None:
        return linked
    return (
        Handout.objects.filter(device_id=ticket.device_id, handed_out_at__lte=ticket.opened_at)
        .filter(Q(collected_at__isnull=True) | Q(collected_at__gte=ticket.opened_at))
        .select_related("student")
        .order_by("-handed_out_at", "-pk")
        .first()
    )


def ticket_charge(*, ticket: Ticket) -> Charge | None:
    return Charge.objects.filter(ticket=ticket).first()


def fee_rule_get(*, rule_id: int) -> FeeRule:
    if not 0 < rule_id <= MAX_ID:
        raise Http404
    try:
        return FeeRule.objects.get(pk=rule_id)
    except FeeRule.DoesNotExist as exc:
        raise Http404 from exc


def ticket_charge_panel(*, user: User | AnonymousUser, ticket: Ticket) -> dict[str, object]:
    """What the repair ticket's charge panel shows: nothing (``shown`` False) unless the ticket's
    damage is of a charged cause, the device was handed out to a student when it was reported, and
    the viewer works with students; then the charge made for it, or whether they may propose one."""
    from students.services.charges import is_chargeable

    hidden: dict[str, object] = {"shown": False, "ticket": ticket}
    if not permissions.can_view_students(user) or not is_chargeable(ticket.damage_cause):
        return hidden
    handout = ticket_handout(ticket=ticket)
    if handout is None or not Student.objects.visible_to(user).filter(pk=handout.student_id).exists():
        return hidden
    return {
        "shown": True,
        "ticket": ticket,
        "handout": handout,
        "charge": ticket_charge(ticket=ticket),
        "can_propose": permissions.can_hand_out_devices(user) or permissions.can_manage_charges(user),
        "can_manage": permissions.can_manage_charges(user),
    }
