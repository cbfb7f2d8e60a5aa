"""The ticket workflow: the one table that says which status may follow which, and what the
device's status is while its ticket is in each.

Only ``repairs.services.tickets`` acts on this table; views and serializers ask it what to offer.

The device's status follows the ticket: on the bench (new to repaired) it is *in repair*, at a
vendor it is *at vendor*, beyond economical repair it is *retired*. When the ticket is returned
or closed the device goes back to the status it had before the ticket took it into repair,
read from the first custody event that names the ticket (a loaner that broke while loaned out
goes back to the pool, not to the borrower; a device already in repair when the ticket opened
goes back deployed). See ``repairs.selectors.device_status_before_ticket``.
"""

from __future__ import annotations

from fleet.choices import DeviceStatus
from repairs.choices import TicketStatus as T

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    T.NEW: frozenset({T.TRIAGED}),
    T.TRIAGED: frozenset({T.IN_PROGRESS, T.WAITING_FOR_PARTS, T.AT_VENDOR, T.BEYOND_REPAIR}),
    T.IN_PROGRESS: frozenset({T.WAITING_FOR_PARTS, T.AT_VENDOR, T.REPAIRED, T.BEYOND_REPAIR}),
    T.WAITING_FOR_PARTS: frozenset({T.IN_PROGRESS, T.AT_VENDOR, T.BEYOND_REPAIR}),
    T.AT_VENDOR: frozenset({T.IN_PROGRESS, T.REPAIRED, T.BEYOND_REPAIR}),
    # Back to the bench when the repair fails its check before going home.
    T.REPAIRED: frozenset({T.RETURNED, T.IN_PROGRESS}),
    T.RETURNED: frozenset({T.CLOSED, T.TRIAGED, T.IN_PROGRESS}),
    T.CLOSED: frozenset({T.TRIAGED, T.IN_PROGRESS}),
    T.BEYOND_REPAIR: frozenset(),
}

# A move out of these into the bench statuses is a reopen, recorded as such.
REOPEN_FROM = frozenset({T.RETURNED, T.CLOSED})
REOPEN_TO = frozenset({T.TRIAGED, T.IN_PROGRESS})

# Statuses after which the ticket counts as finished (closed_at is set).
FINISHED = frozenset({T.CLOSED, T.BEYOND_REPAIR})

# Where the device is while its ticket is in each status; None: back where it was before.
DEVICE_STATUS_FOR: dict[str, str | None] = {
    T.NEW: DeviceStatus.IN_REPAIR,
    T.TRIAGED: DeviceStatus.IN_REPAIR,
    T.IN_PROGRESS: DeviceStatus.IN_REPAIR,
    T.WAITING_FOR_PARTS: DeviceStatus.IN_REPAIR,
    T.AT_VENDOR: DeviceStatus.AT_VENDOR,
    T.REPAIRED: DeviceStatus.IN_REPAIR,  # on the bench, ready to go back
    T.RETURNED: None,
    T.CLOSED: None,
    T.BEYOND_REPAIR: DeviceStatus.RETIRED,
}

# Statuses a device may go back to when its ticket is returned; anything else goes back deployed.
RESTORABLE = frozenset({DeviceStatus.DEPLOYED, DeviceStatus.IN_STOCK, DeviceStatus.LOANER_POOL})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def is_reopen(from_status: str, to_status: str) -> bool:
    return from_status in REOPEN_FROM and to_status in REOPEN_TO


def next_statuses(from_status: str) -> list[str]:
    """The statuses offered from ``from_status``, in workflow order."""
    allowed = ALLOWED_TRANSITIONS.get(from_status, frozenset())
    return [status for status in T.values if status in allowed]


def restore_status(before: str | None) -> str:
    """The device status a returned ticket gives back, from the one it had before repair."""
    if before == DeviceStatus.LOANED_OUT:
        return DeviceStatus.LOANER_POOL
    if before in RESTORABLE:
        return before
    return DeviceStatus.DEPLOYED


def device_status_for(ticket_status: str, *, before: str | None) -> str:
    """The device status a ticket in ``ticket_status`` implies."""
    status = DEVICE_STATUS_FOR[ticket_status]
    return status if status is not None else restore_status(before)


def refusal(from_status: str, to_status: str) -> str:
    """The message a user sees for a move the workflow forbids."""
    allowed = [T(s).label.lower() for s in next_statuses(from_status)]
    options = ", ".join(allowed) if allowed else "nothing: this is final"
    return (
        f"A ticket that is {T(from_status).label.lower()} cannot become {T(to_status).label.lower()}. "
        f"From {T(from_status).label.lower()} it can become {options}."
    )
