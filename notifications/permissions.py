"""Which reminders concern whom, and who sees the log of sent ones. Predicates only, by role."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import is_admin
from notifications.choices import REMINDER_KINDS, NotificationKind

# The roles each reminder can reach; whom it reaches within them is the event's (the technician who
# lent the loaner, the school's own staff, the requester's supervisor).
KIND_ROLES: dict[str, tuple[Role, ...]] = {
    NotificationKind.LOAN_OVERDUE: (Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN),
    NotificationKind.COLLECTION_OVERDUE: (Role.TECHNICIAN, Role.SCHOOL_ADMIN),
    NotificationKind.OVERTIME_PENDING: (Role.SUPERVISOR,),
    NotificationKind.STOCK_LOW: (Role.PROCUREMENT,),
}


def can_receive_notification(user: User | AnonymousUser, kind: str) -> bool:
    """By the roles a person holds, not superuser status: a system owner is not sent every
    school's and every buyer's reminders for having every permission."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return any(user.has_role(role) for role in KIND_ROLES.get(kind, ()))


def notification_kinds_for(user: User | AnonymousUser) -> list[NotificationKind]:
    """The kinds the settings page offers this person, in a fixed order."""
    return [kind for kind in REMINDER_KINDS if can_receive_notification(user, kind)]


def can_edit_notification_settings(user: User | AnonymousUser) -> bool:
    """Everyone signed in (a person whose roles no reminder concerns sees that said)."""
    return user.is_authenticated and user.is_active


def can_view_deliveries(user: User | AnonymousUser) -> bool:
    """The log of every reminder sent: district administrators."""
    return is_admin(user)
