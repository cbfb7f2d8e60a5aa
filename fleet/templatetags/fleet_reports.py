"""Cells of the fleet's reports that repeat on every school's row (``{% load fleet_reports %}``).

The readiness report links four counts on each of about 210 schools' rows to the devices behind
them. As an ``{% include %}`` with ``{% url %}`` the 844 links took 18 ms of the page's 54 at
district scale; built here, with the list's address reversed once, they take well under 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.templatetags.links import querystring_each
from core.templatetags.ui import count, money
from fleet.selectors.reports import AueSchoolLine, ReadinessRow

register = template.Library()


@lru_cache(maxsize=64)
def _readiness_devices_url(prefix: str) -> str:
    return reverse("fleet:readiness_devices")


@register.simple_tag
def readiness_count(flag: str, n: int, location_id: int | None) -> str:
    """A readiness count, linked to its devices (of one school, or of all) when there are any."""
    if not n:
        return count(n)
    url = _readiness_devices_url(get_script_prefix())
    school = f"&location={location_id}" if location_id else ""
    return format_html('<a href="{}?flag={}{}">{}</a>', url, flag, school, count(n))


@register.simple_tag(takes_context=True)
def aue_school_rows(
    context: template.Context, lines: Iterable[AueSchoolLine], from_year: int, to_year: int
) -> SafeString:
    """The AUE plan's rows by school: the school's name narrowing the plan to it, its devices per
    school year, its devices and their replacement cost. A template loop over 210 schools and
    their years took 8-14 ms of the plan's 40-50 at district scale; the markup is the same
    (``tests/fleet/test_report_views.py``)."""
    rows = []
    for line in lines:
        link = querystring_each(context, "location", line.location_id, from_year=from_year, to_year=to_year)
        years = "".join(f'<td class="num">{count(n)}</td>' for n in line.devices_by_year)
        rows.append(
            f'\n            <tr><td><a href="{escape(link)}">{escape(line.location_name)}</a></td>{years}'
            f'<td class="num">{count(line.devices)}</td><td class="num">{money(line.cost)}</td></tr>'
            "\n          "
        )
    return mark_safe("".join(rows))


@register.simple_tag
def readiness_rows(rows: Iterable[ReadinessRow]) -> SafeString:
    """The readiness report's row per school: its counts, four of them linked to their devices
    (``readiness_count``). A template loop over 210 schools took about 10 ms of the report's 33 at
    district scale; the markup is the same (``tests/fleet/test_report_views.py``)."""
    html = []
    for row in rows:
        html.append(
            "\n        <tr>"
            f'\n          <td data-label="School">{escape(row.name)}</td>'
            f'\n          <td data-label="Active" class="num">{escape(count(row.active))}</td>'
            f'\n          <td data-label="Deployed" class="num">{escape(count(row.deployed))}</td>'
            f'\n          <td data-label="In service" class="num">{escape(row.share_in_service_percent)}</td>'
            f'\n          <td data-label="In repair" class="num">{escape(count(row.in_repair))}</td>'
            f'\n          <td data-label="Past AUE" class="num">'
            f"{conditional_escape(readiness_count('past_aue', row.past_aue, row.location_id))}</td>"
            f'\n          <td data-label="Loaners out" class="num">{escape(count(row.loaners_out))}</td>'
            f'\n          <td data-label="Not synced 30 days" class="num">'
            f"{conditional_escape(readiness_count('not_synced', row.not_synced, row.location_id))}</td>"
            f'\n          <td data-label="OS behind" class="num">'
            f"{conditional_escape(readiness_count('os_behind', row.os_behind, row.location_id))}</td>"
            f'\n          <td data-label="Dev mode" class="num">'
            f"{conditional_escape(readiness_count('dev_mode', row.dev_mode, row.location_id))}</td>"
            f'\n          <td data-label="Not ready" class="num">{escape(count(row.flagged))}</td>'
            "\n        </tr>\n      "
        )
    return mark_safe("".join(html))  # every value above is escaped or built by format_html
