"""The fleet's sub-navigation: only the screens the signed-in user may open.

{% load fleet_nav %}{% fleet_subnav "scan" as links %}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

from fleet import permissions

register = template.Library()


@dataclass(frozen=True)
class SubnavLink:
    label: str
    url: str
    current: bool


@register.simple_tag(takes_context=True)
def fleet_subnav(context: template.Context, section: str) -> list[SubnavLink]:
    """The links of a section ("scan", "reports" or "imports") the user may open, the open page
    marked (the longest link the path starts with).

    The loaner pools belong to repairs, a layer above: they are offered when the main menu
    (which asks repairs) offers them.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    entries: list[tuple[bool, str, str]] = []
    if section == "scan":
        can_scan = permissions.can_change_device(user)  # type: ignore[arg-type]
        loaners = reverse("loans:loaner_pool_list")
        menu: Any = context.get("nav_items") or []
        entries = [
            (can_scan, "Scan to vehicle", reverse("fleet:scan_vehicle")),
            (can_scan, "Check in at a location", reverse("fleet:scan_check_in")),
            (can_scan, "Collection check-in", reverse("fleet:scan_collection")),
            (can_scan, "Audits", reverse("fleet:location_audit_list")),
            (any(item.url == loaners for item in menu), "Loaners", loaners),
        ]
    elif section == "reports":
        can_report = permissions.can_view_fleet_reports(user)  # type: ignore[arg-type]
        entries = [
            (can_report, "Readiness", reverse("fleet:readiness_report")),
            (can_report, "AUE refresh plan", reverse("fleet:aue_plan")),
        ]
    elif section == "imports":
        can_import = permissions.can_import_devices(user)  # type: ignore[arg-type]
        entries = [
            (can_import, "Import devices", reverse("fleet:device_import")),
            (can_import, "Import history", reverse("fleet:import_job_list")),
            (can_import, "Mappings", reverse("fleet:import_mapping_list")),
        ]
    allowed_entries = [(label, url) for allowed, label, url in entries if allowed]
    matching = [url for _, url in allowed_entries if path.startswith(url)]
    current = max(matching, key=len, default=None)
    return [SubnavLink(label, url, current=url == current) for label, url in allowed_entries]
