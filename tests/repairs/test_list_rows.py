"""The ticket list's rows written by a tag, beside the template loop it replaces: the same bytes."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.template import engines
from django.utils import timezone

from repairs.selectors import TicketListRow

# The ticket list's rows as a template loop wrote them before repairs_lists.ticket_rows.
TICKET_LOOP = (
    "{% for ticket in page %}\n"
    "        <tr>\n"
    '          <td data-label="Ticket"><a href="{% path \'repairs:ticket_detail\' ticket.pk %}">'
    "#{{ ticket.pk }}</a></td>\n"
    '          <td data-label="Device"><span>{{ ticket.asset_tag }} '
    '<small class="text-body-secondary">{{ ticket.model_name }}</small></span></td>\n'
    '          <td data-label="Opened" class="text-nowrap">{{ ticket.opened_at|day }}</td>\n'
    '          <td data-label="Symptom">{{ ticket.symptom_label }}</td>\n'
    '          <td data-label="Priority">{{ ticket.priority_label }}</td>\n'
    '          <td data-label="Tier">{{ ticket.tier_label }}</td>\n'
    '          <td data-label="Status">{% status_badge ticket.status ticket.status_label %}</td>\n'
    '          <td data-label="Location">{{ ticket.location_name }}</td>\n'
    '          <td data-label="Assignee">{{ ticket.assignee|default:"—" }}</td>\n'
    "        </tr>\n"
    "      {% endfor %}"
)


def test_ticket_rows_are_the_template_loops_markup(settings):
    settings.TIME_ZONE = "America/New_York"
    # 02:30 UTC on 4 March is still 3 March in New York: the day shown is the local one.
    late = dt.datetime(2027, 3, 4, 2, 30, tzinfo=dt.UTC)
    rows = [
        TicketListRow(
            41,
            "A<1>",
            'Latitude "5440"',
            late,
            "screen",
            "high",
            "tier2",
            "in_repair",
            "St. Mary's",
            "Dana O'Neil",
        ),
        TicketListRow(42, "A2", "C740", late, "no_power", "normal", "tier1", "new", "Depot", ""),
        TicketListRow(43, "A3", "C740", late, "retired_symptom", "odd", "tierX", "gone", "Depot & Annex", ""),
    ]
    page = Paginator(rows, 50).get_page(1)
    with timezone.override("America/New_York"):
        old = engines["django"].from_string("{% load ui links %}" + TICKET_LOOP).render({"page": page})
        new = (
            engines["django"]
            .from_string("{% load repairs_lists %}{% ticket_rows page %}")
            .render({"page": page})
        )

    assert new == old
    assert "A&lt;1&gt;" in new and "Latitude &quot;5440&quot;" in new and "Dana O&#x27;Neil" in new
    assert ">2027-03-03<" in new and '<td data-label="Assignee">—</td>' in new
    assert ">retired_symptom<" in new and "Depot &amp; Annex" in new
    assert 'href="/repairs/tickets/41/"' in new
