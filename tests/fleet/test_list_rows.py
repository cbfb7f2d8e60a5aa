"""The list pages' rows written by a tag, beside the template loops they replace: the same bytes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines

from fleet.selectors.devices import DeviceListRow

# The device list's rows as a template loop wrote them before fleet_lists.device_rows.
DEVICE_LOOP = (
    "{% for device in page.object_list %}\n"
    "        <tr>\n"
    '          <td data-label="Asset tag" class="text-nowrap"><a class="fw-semibold" '
    "href=\"{% path 'fleet:device_detail' device.pk %}\">{{ device.asset_tag }}</a></td>\n"
    '          <td data-label="Serial" class="text-nowrap">{{ device.serial }}</td>\n'
    '          <td data-label="Model">{{ device.model_name }}</td>\n'
    '          <td data-label="Status"><span>{% status_badge device.status device.status_label %}'
    '{% if device.custodian %} <span class="small text-body-secondary">'
    "in {{ device.custodian }}'s vehicle</span>"
    "{% endif %}</span></td>\n"
    '          <td data-label="Location">{{ device.location_name }}</td>\n'
    '          <td data-label="Warranty end">{{ device.warranty_end|day|default:"—" }}</td>\n'
    '          {% if show_assignee %}<td data-label="Assigned to">{% if device.assignee_id %}'
    "{{ device.assignee_kind_label }} {{ device.assignee_id }}{% else %}—{% endif %}</td>{% endif %}\n"
    "        </tr>\n"
    "      {% endfor %}"
)


@pytest.mark.parametrize("show_assignee", [True, False])
def test_device_rows_are_the_template_loops_markup(show_assignee: bool):
    rows = [
        DeviceListRow(
            7,
            "A<1>",
            "S&1",
            'Latitude "5440"',
            "in_repair",
            "St. Mary's",
            dt.date(2027, 3, 4),
            "Dana O'Neil",
            "student",
            "9<0>",
        ),
        DeviceListRow(8, "A2", "S2", "C740", "deployed", "Depot", None, "", "", ""),
        DeviceListRow(
            9, "A3", "S3", "C740", "retired_lost", "Depot", dt.date(2026, 1, 1), "", "staff", "s-9"
        ),
        DeviceListRow(10, "A4", "S4", "C740", "no_longer_a_status", "Depot", None, "", "", ""),
    ]
    context = {"page": {"object_list": rows}, "show_assignee": show_assignee}

    old = engines["django"].from_string("{% load ui links %}" + DEVICE_LOOP).render(context)
    new = (
        engines["django"]
        .from_string("{% load fleet_lists %}{% device_rows page.object_list show_assignee %}")
        .render(context)
    )

    assert new == old
    assert "A&lt;1&gt;" in new and "S&amp;1" in new and "Latitude &quot;5440&quot;" in new
    assert "in Dana O&#x27;Neil's vehicle" in new and ">2027-03-04<" in new and ">—</td>" in new
    assert ("9&lt;0&gt;" in new) is show_assignee
    assert 'href="/fleet/devices/7/"' in new


# The readiness report's devices as a template loop wrote them before
# fleet_lists.readiness_device_rows.
READINESS_DEVICE_LOOP = (
    "{% for device in page.object_list %}\n"
    "        <tr>\n"
    '          <td data-label="Asset tag"><a href="'
    "{% path 'fleet:device_detail' device.pk %}\">{{ device.asset_tag }}</a></td>\n"
    '          <td data-label="Model">{{ device.model.name }}</td>\n'
    '          <td data-label="School">{{ device.location.name }}</td>\n'
    '          <td data-label="OS version">{{ device.os_version|default:"—" }}</td>\n'
    '          <td data-label="Boot mode">{{ device.get_boot_mode_display|default:"—" }}</td>\n'
    '          <td data-label="Last sync">{{ device.last_sync|day|default:"—" }}</td>\n'
    '          <td data-label="AUE">{{ device.aue_date|date:"Y-m"|default:"—" }}</td>\n'
    "        </tr>\n"
    "      {% endfor %}"
)


def test_readiness_device_rows_are_the_loops_markup():
    from types import SimpleNamespace

    from django.utils import timezone

    def device(pk: int, **fields: object) -> SimpleNamespace:
        plain = {
            "pk": pk,
            "asset_tag": "CB-<1>",
            "model": SimpleNamespace(name='Spin "511"'),
            "location": SimpleNamespace(name="St. Mary's & Co"),
            "os_version": "",
            "get_boot_mode_display": lambda: "",
            "last_sync": None,
            "aue_date": None,
        }
        return SimpleNamespace(**{**plain, **fields})

    devices = [
        device(1),
        device(
            2,
            os_version="158.0.1",
            get_boot_mode_display=lambda: "Developer <mode>",
            last_sync=dt.datetime(2027, 3, 4, 2, 30, tzinfo=dt.UTC),
            aue_date=dt.date(2027, 6, 30),
        ),
    ]
    context = {"page": {"object_list": devices}}
    with timezone.override("America/New_York"):
        old = engines["django"].from_string("{% load ui links %}" + READINESS_DEVICE_LOOP).render(context)
        new = (
            engines["django"]
            .from_string("{% load fleet_lists %}{% readiness_device_rows page.object_list %}")
            .render(context)
        )

    assert new == old
    assert ">2027-03-03<" in new and ">2027-06<" in new and "Developer &lt;mode&gt;" in new
    assert new.count(">—<") == 4 and "St. Mary&#x27;s &amp; Co" in new
