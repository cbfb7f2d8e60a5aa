"""Staff API: the recorded changes of an overtime rule and of a timesheet (with its week's time
entries), each visible to whoever may read the object itself."""

from __future__ import annotations

from django.db.models import QuerySet
from pghistory.models import Events

from accounts.permissions import signed_in_user
from core.api.history import HistoryListApi
from staff.models import OvertimeRule, Timesheet
from staff.selectors import history as history_selectors
from staff.selectors import overtime as overtime_selectors
from staff.selectors import time as time_selectors


class OvertimeRuleHistoryListApi(HistoryListApi):
    """Every recorded change of one overtime rule version, newest first (anyone with a role)."""

    def get_subject(self) -> OvertimeRule:
        return overtime_selectors.overtime_rule_get(rule_id=self.kwargs["rule_id"])

    def get_history(self, subject: OvertimeRule) -> QuerySet[Events]:  # type: ignore[override]
        return history_selectors.overtime_rule_change_list(rule=subject)


class TimesheetHistoryListApi(HistoryListApi):
    """Every recorded change of one timesheet and of its owner's time entries in that week,
    newest first. Pay is private: the same people as the timesheet itself (404 for others)."""

    def get_subject(self) -> Timesheet:
        return time_selectors.timesheet_get(
            user=signed_in_user(self.request), timesheet_id=self.kwargs["timesheet_id"]
        )

    def get_history(self, subject: Timesheet) -> QuerySet[Events]:  # type: ignore[override]
        return history_selectors.timesheet_change_list(timesheet=subject)
