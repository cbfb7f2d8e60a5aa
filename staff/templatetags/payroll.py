"""The payroll page's table rows (``{% load payroll %}``)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.templatetags.ui import EMPTY, day, money, qty
from staff.selectors.time import PayrollRow

register = template.Library()


@register.simple_tag
def payroll_table_rows(rows: Iterable[PayrollRow]) -> SafeString:
    """One ``<tr>`` a signed-off week, formatted by the same filters a template loop used.

    Built here rather than by a template loop: a district's five weeks are 450 rows of ten
    cells, and the loop's variable lookups and filters took about three quarters of the page's
    time (``tests/staff/test_time_views.py`` holds the markup to the loop's).
    """
    return mark_safe(
        "".join(
            f'<tr><td class="text-nowrap">{escape(row.employee_id) or EMPTY}</td>'
            f"<td>{escape(row.name)}</td>"
            f'<td class="text-nowrap">{day(row.week_start)}</td>'
            f'<td class="num">{qty(row.worked_hours)} h</td>'
            f'<td class="num">{qty(row.overtime_hours_approved)} h</td>'
            f'<td class="num">{qty(row.overtime_hours_unapproved)} h</td>'
            f'<td class="num">{money(row.overtime_pay)}</td>'
            f'<td class="num">{qty(row.comp_time_hours)} h</td>'
            f'<td class="num">{qty(row.mileage)}</td>'
            f"<td>#{row.rule_id} from {day(row.rule_effective_from)}</td></tr>"
            for row in rows
        )
    )
