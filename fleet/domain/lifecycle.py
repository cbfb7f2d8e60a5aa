"""The device status lifecycle: the one table that says which status may follow which."""

from fleet.choices import DeviceStatus as S

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_STOCK: frozenset({S.DEPLOYED, S.LOANER_POOL, S.IN_REPAIR, S.RETIRED, S.LOST_STOLEN}),
    S.DEPLOYED: frozenset({S.IN_STOCK, S.LOANER_POOL, S.IN_REPAIR, S.RETIRED, S.LOST_STOLEN}),
    S.LOANER_POOL: frozenset({S.LOANED_OUT, S.IN_STOCK, S.DEPLOYED, S.IN_REPAIR, S.RETIRED, S.LOST_STOLEN}),
    S.LOANED_OUT: frozenset({S.LOANER_POOL, S.IN_REPAIR, S.LOST_STOLEN}),
    S.IN_REPAIR: frozenset({S.DEPLOYED, S.IN_STOCK, S.LOANER_POOL, S.AT_VENDOR, S.RETIRED}),
    S.AT_VENDOR: frozenset({S.IN_REPAIR, S.DEPLOYED, S.IN_STOCK, S.LOANER_POOL, S.RETIRED}),
    S.RETIRED: frozenset({S.E_WASTE, S.IN_STOCK}),
    S.LOST_STOLEN: frozenset({S.IN_STOCK, S.RETIRED}),
    S.E_WASTE: frozenset(),
}

# Statuses in which a device is with a person rather than on a shelf.
WITH_A_PERSON = frozenset({S.DEPLOYED, S.LOANED_OUT})
# Statuses a device may not be carried or checked in from: it is gone or never coming back.
GONE = frozenset({S.LOST_STOLEN, S.E_WASTE})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def refusal(from_status: str, to_status: str) -> str:
    """The message a user sees for an impossible move."""
    allowed = sorted(S(s).label.lower() for s in ALLOWED_TRANSITIONS.get(from_status, frozenset()))
    options = ", ".join(allowed) if allowed else "nothing: this is final"
    return (
        f"A device that is {S(from_status).label.lower()} cannot become {S(to_status).label.lower()}. "
        f"From {S(from_status).label.lower()} it can become {options}."
    )


def vehicle_check_out_problem(*, status: str, custodian_id: int | None, actor_id: int | None) -> str | None:
    """Why a device cannot go into this technician's vehicle, or None.

    The one rule behind both the scan screen's per-scan refusal and the batch service.
    """
    if status in GONE:
        return f"is {S(status).label.lower()}"
    if custodian_id is not None and custodian_id == actor_id:
        return "is already in your vehicle"
    if custodian_id is not None:
        return "is in another technician's vehicle"
    return None
