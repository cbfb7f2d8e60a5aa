"""The device lists' rows (``{% load fleet_lists %}``).

A page holds 50 devices (up to 250) of seven or eight cells each, on the device list and on the
readiness report's list of devices not ready. As template loops the rows took about a quarter of
each list's time at district scale; written here, with the device page's address built once
(``path``), the markup is the same (``tests/fleet/test_list_rows.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

from core.templatetags.links import path
from core.templatetags.ui import day, status_badge
from fleet.selectors.devices import DeviceListRow

register = template.Library()


@register.simple_tag
def device_rows(devices: Iterable[DeviceListRow], show_assignee: bool) -> SafeString:
    """A ``<tr>`` per device: its asset tag linked to its page, serial, model, status (and the
    vehicle it rides in), location, warranty end, and, for roles that may see it, its assignee."""
    html = []
    for device in devices:
        vehicle = (
            f' <span class="small text-body-secondary">in {escape(device.custodian)}\'s vehicle</span>'
            if device.custodian
            else ""
        )
        if not show_assignee:
            assignee = ""
        elif device.assignee_id:
            assignee = (
                f'<td data-label="Assigned to">{escape(device.assignee_kind_label)} '
                f"{escape(device.assignee_id)}</td>"
            )
        else:
            assignee = '<td data-label="Assigned to">—</td>'
        html.append(
            "\n        <tr>"
            f'\n          <td data-label="Asset tag" class="text-nowrap"><a class="fw-semibold" '
            f'href="{escape(path("fleet:device_detail", device.pk))}">{escape(device.asset_tag)}</a></td>'
            f'\n          <td data-label="Serial" class="text-nowrap">{escape(device.serial)}</td>'
            f'\n          <td data-label="Model">{escape(device.model_name)}</td>'
            f'\n          <td data-label="Status"><span>{status_badge(device.status, device.status_label)}'
            f"{vehicle}</span></td>"
            f'\n          <td data-label="Location">{escape(device.location_name)}</td>'
            f'\n          <td data-label="Warranty end">{escape(day(device.warranty_end) or "—")}</td>'
            f"\n          {assignee}"
            "\n        </tr>"
            "\n      "
        )
    return mark_safe("".join(html))


@register.simple_tag
def readiness_device_rows(devices: Iterable[Any]) -> SafeString:
    """A ``<tr>`` per device not ready: its asset tag linked to its page, model, school, OS
    version, boot mode, last sync (local day) and AUE month; a dash for what Google never said."""
    html = []
    for device in devices:
        link = escape(path("fleet:device_detail", device.pk))
        aue = device.aue_date
        aue_month = f"{aue.year:04d}-{aue.month:02d}" if aue else "—"
        synced = day(template_localtime(device.last_sync))
        html.append(
            "\n        <tr>"
            f'\n          <td data-label="Asset tag"><a href="{link}">{escape(device.asset_tag)}</a></td>'
            f'\n          <td data-label="Model">{escape(device.model.name)}</td>'
            f'\n          <td data-label="School">{escape(device.location.name)}</td>'
            f'\n          <td data-label="OS version">{escape(device.os_version or "—")}</td>'
            f'\n          <td data-label="Boot mode">{escape(device.get_boot_mode_display() or "—")}</td>'
            f'\n          <td data-label="Last sync">{escape(synced or "—")}</td>'
            f'\n          <td data-label="AUE">{aue_month}</td>'
            "\n        </tr>"
            "\n      "
        )
    return mark_safe("".join(html))
