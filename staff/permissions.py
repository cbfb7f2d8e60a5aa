"""Who may do what with overtime, time entries and timesheets. Predicates only."""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.choices import Role
from accounts.models import StaffProfile, User
from accounts.permissions import has_any_role, is_admin
from staff.models import OvertimeDelegation, OvertimeRequest, TimeEntry, Timesheet


def can_use_overtime_pages(user: User | AnonymousUser) -> bool:
    """My overtime requests and the rule table: field staff, their leads and administrators."""
    return has_any_role(user, Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN)


def can_review_team_overtime(user: User | AnonymousUser) -> bool:
    """The approval queue in the menu: supervisors and administrators (a delegate reaches it
    through the link on their own overtime page while the delegation lasts)."""
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN)


def can_log_own_time(user: User | AnonymousUser) -> bool:
    """My week in the menu: the roles that hold staff grades (checked by role, without a query)."""
    return has_any_role(user, Role.TECHNICIAN, Role.SUPERVISOR)


def can_edit_overtime_rules(user: User | AnonymousUser) -> bool:
    """Add a rule version (a change is always a new row with a later effective date)."""
    return has_any_role(user, Role.ADMIN)


def can_view_overtime_rules(user: User | AnonymousUser) -> bool:
    """The rule table is public to everyone who holds a role."""
    return has_any_role(user, *Role)


def can_request_overtime(user: User | AnonymousUser) -> bool:
    """Staff with a grade may ask; whether their grade is eligible is the rule's decision."""
    if not user.is_authenticated or not user.is_active:
        return False
    profile = StaffProfile.objects.filter(user=user).only("grade_id").first()
    return profile is not None and profile.grade_id is not None


def is_active_overtime_delegate(user: User | AnonymousUser, *, supervisor_id: int | None = None) -> bool:
    """True when ``user`` holds a delegation covering today (for ``supervisor_id`` when given)."""
    if not user.is_authenticated or not user.is_active:
        return False
    today = timezone.localdate()
    delegations = OvertimeDelegation.objects.filter(delegate=user, starts_on__lte=today, ends_on__gte=today)
    if supervisor_id is not None:
        delegations = delegations.filter(supervisor_id=supervisor_id)
    return delegations.exists()


def can_view_overtime_queue(user: User | AnonymousUser) -> bool:
    """Supervisors, administrators, and anyone currently standing in for a supervisor."""
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN) or is_active_overtime_delegate(user)


def can_decide_overtime(user: User | AnonymousUser, overtime_request: OvertimeRequest) -> bool:
    """Approve, deny or review an emergency: the requester's supervisor, their active delegate,
    or an administrator; never the requester, whatever other role they hold."""
    if not user.is_authenticated or not user.is_active:
        return False
    if overtime_request.requester_id == user.pk:
        return False
    if has_any_role(user, Role.ADMIN):
        return True
    profile = StaffProfile.objects.filter(user_id=overtime_request.requester_id).only("supervisor_id").first()
    supervisor_id = profile.supervisor_id if profile is not None else None
    if supervisor_id is None:
        return False
    if supervisor_id == user.pk:
        return True
    return is_active_overtime_delegate(user, supervisor_id=supervisor_id)


def can_cancel_overtime_request(user: User | AnonymousUser, overtime_request: OvertimeRequest) -> bool:
    return user.is_authenticated and user.is_active and overtime_request.requester_id == user.pk


def can_delegate_overtime(user: User | AnonymousUser) -> bool:
    """Supervisors name a delegate for their own team while they are away."""
    return has_any_role(user, Role.SUPERVISOR)


def has_staff_grade(user: User | AnonymousUser) -> bool:
    """Staff with a grade log time (their grade picks the overtime rule)."""
    if not user.is_authenticated or not user.is_active:
        return False
    profile = getattr(user, "profile", None)
    return profile is not None and profile.grade_id is not None


def _supervises(user: User | AnonymousUser, owner: User) -> bool:
    if not has_any_role(user, Role.SUPERVISOR) or user.pk == owner.pk:
        return False
    profile = getattr(owner, "profile", None)
    return profile is not None and profile.supervisor_id == user.pk


def _stands_in_for_supervisor(user: User | AnonymousUser, owner: User) -> bool:
    """True when ``user`` is the owner's supervisor's active delegate (never for their own time)."""
    if user.pk == owner.pk:
        return False
    profile = getattr(owner, "profile", None)
    if profile is None or profile.supervisor_id is None:
        return False
    return is_active_overtime_delegate(user, supervisor_id=profile.supervisor_id)


def can_log_time(user: User | AnonymousUser, owner: User) -> bool:
    """Staff log their own time; an administrator may log or correct anyone's."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == owner.pk or is_admin(user)


def can_change_time_entry(user: User | AnonymousUser, entry: TimeEntry) -> bool:
    return can_log_time(user, entry.user)


def can_view_pay(user: User | AnonymousUser, owner: User) -> bool:
    """Pay is private: a person's time, timesheets and pay are seen by the person, their
    supervisor, that supervisor's active delegate and administrators; no other role."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.pk == owner.pk
        or is_admin(user)
        or _supervises(user, owner)
        or _stands_in_for_supervisor(user, owner)
    )


def can_view_time_entry(user: User | AnonymousUser, entry: TimeEntry) -> bool:
    """Own entries; the team's for their supervisor and the supervisor's delegate; all for admins."""
    return can_view_pay(user, entry.user)


def can_view_timesheet(user: User | AnonymousUser, timesheet: Timesheet) -> bool:
    """Own weeks; the team's for their supervisor and the supervisor's delegate; all for admins."""
    return can_view_pay(user, timesheet.user)


def can_submit_timesheet(user: User | AnonymousUser, timesheet: Timesheet) -> bool:
    """Only the staff member hands in their own week."""
    return user.is_authenticated and user.is_active and user.pk == timesheet.user_id


def can_sign_off_timesheet(user: User | AnonymousUser, timesheet: Timesheet) -> bool:
    """The owner's supervisor or an administrator, never the owner (also governs reopening)."""
    if not user.is_authenticated or user.pk == timesheet.user_id:
        return False
    return is_admin(user) or _supervises(user, timesheet.user)


def can_view_team_timesheets(user: User | AnonymousUser) -> bool:
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN)


def can_export_payroll(user: User | AnonymousUser) -> bool:
    """The district payroll (every signed-off week and its pay): administrators only, since pay
    is private to the person, their supervisor (and delegate) and administrators."""
    return has_any_role(user, Role.ADMIN)
