"""Cells of the fleet's reports that repeat on every school's row (``{% load fleet_reports %}``).

The readiness report links four counts on each of about 210 schools' rows to the devices behind
them. As an ``{% include %}`` with ``{% url %}`` the 844 links took 18 ms of the page's 54 at
district scale; built here, with the list's address reversed once, they take well under 2.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html

from core.templatetags.ui import count

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
