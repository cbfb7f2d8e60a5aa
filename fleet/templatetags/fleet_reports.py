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
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.templatetags.links import querystring_each
from core.templatetags.ui import count, money
from fleet.selectors.reports import AueSchoolLine

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
