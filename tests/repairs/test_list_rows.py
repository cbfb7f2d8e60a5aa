"""The repairs lists' rows written by tags, beside the template loops they replace: the same bytes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.utils import timezone

from repairs.selectors import LoanerPoolSummary, TicketListRow

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


# The loaners due back as the page's partial wrote a row before repairs_lists.loan_due_row.
DUE_ROW = (
    "\n"
    '<tr id="due-row-{{ loan.pk }}">\n'
    '  <td data-label="Loaner">'
    "<a href=\"{% path 'fleet:device_detail' loan.loaner_id %}\">{{ loan.loaner.asset_tag }}</a></td>\n"
    '  <td data-label="School">'
    "<a href=\"{% path 'loans:loaner_pool' loan.loaner.location_id %}\">"
    "{{ loan.loaner.location.name }}</a></td>\n"
    '  <td data-label="Ticket">'
    "<a href=\"{% path 'repairs:ticket_detail' loan.ticket_id %}\">#{{ loan.ticket_id }}</a></td>\n"
    '  <td data-label="Device">{{ loan.ticket.device.asset_tag }}</td>\n'
    '  <td data-label="Ticket status">'
    "{% status_badge loan.ticket.status loan.ticket.get_status_display %}</td>\n"
    '  <td data-label="Since" class="text-nowrap">{{ loan.checked_out_at|day }}</td>\n'
    '  <td data-label="Collected">'
    '{% if error %}<span class="error" role="alert">{{ error }}</span>{% endif %}\n'
    "    {% if loan.returned_at %}"
    '<span class="success">Back in the pool {{ loan.returned_at|day_time }}</span>{% else %}\n'
    "    {% if can_change or error %}\n"
    '    <form method="post" action="{% path \'loans:loan_return\' loan.pk %}" '
    'hx-post="{% path \'loans:loan_return\' loan.pk %}" hx-target="closest tr" hx-swap="outerHTML">\n'
    '      {% csrf_token %}<input type="hidden" name="from" value="due">'
    '<button type="submit" class="btn btn-sm btn-outline-secondary">Returned'
    '<span class="visually-hidden"> {{ loan.loaner.asset_tag }}</span></button>\n'
    "    </form>{% endif %}{% endif %}</td>\n"
    "</tr>\n"
)

# The loaner pools' rows as a template loop wrote them before repairs_lists.loaner_pool_rows.
POOL_LOOP = (
    "{% for school in schools %}\n"
    "      <tr>\n"
    '        <td data-label="School">'
    "<a href=\"{% path 'loans:loaner_pool' school.location.pk %}\">{{ school.location.name }}</a></td>\n"
    '        <td data-label="Available" class="num">{{ school.available|count }}</td>\n'
    '        <td data-label="Out" class="num">{{ school.out|count }}</td>\n'
    '        <td data-label="Due back" class="num">'
    "{% if school.due %}<strong>{{ school.due|count }}</strong>{% else %}0{% endif %}</td>\n"
    "      </tr>\n"
    "    {% endfor %}"
)


def _loan(pk: int, *, returned: bool) -> SimpleNamespace:
    school = SimpleNamespace(name="St. Mary's <Annex> & Co")
    device = SimpleNamespace(asset_tag="CB-<7>")
    return SimpleNamespace(
        pk=pk,
        loaner_id=900 + pk,
        ticket_id=700 + pk,
        loaner=SimpleNamespace(asset_tag='LN-"1"', location_id=4, location=school),
        ticket=SimpleNamespace(device=device, status="repaired", get_status_display=lambda: "Repaired"),
        checked_out_at=dt.datetime(2027, 3, 4, 2, 30, tzinfo=dt.UTC),
        returned_at=dt.datetime(2027, 3, 9, 15, 5, tzinfo=dt.UTC) if returned else None,
    )


@pytest.mark.parametrize("returned", [False, True])
@pytest.mark.parametrize("can_change", [False, True])
@pytest.mark.parametrize("error", ["", "This loaner is already <back>."])
@pytest.mark.parametrize("csrf_token", ["tok3n", None])
def test_a_due_row_is_the_partials_markup(
    returned: bool, can_change: bool, error: str, csrf_token: str | None
):
    context = {"loan": _loan(5, returned=returned), "can_change": can_change, "error": error}
    if csrf_token:
        context["csrf_token"] = csrf_token
    with timezone.override("America/New_York"):
        old = engines["django"].from_string("{% load ui links %}" + DUE_ROW).render(context)
        new = (
            engines["django"]
            .from_string("{% load repairs_lists %}{% loan_due_row loan can_change error %}")
            .render(context)
        )

    assert new == old
    assert ("Back in the pool 2027-03-09 10:05" in new) is returned
    assert ('name="csrfmiddlewaretoken" value="tok3n"' in new) is bool(
        csrf_token and not returned and (can_change or error)
    )
    assert "St. Mary&#x27;s &lt;Annex&gt; &amp; Co" in new and ">2027-03-03<" in new


def test_the_due_rows_of_a_page_are_the_loops_markup():
    loans = [_loan(1, returned=False), _loan(2, returned=True)]
    context = {"loans": loans, "can_change": True, "csrf_token": "tok3n"}
    old = (
        engines["django"]
        .from_string("{% load ui links %}{% for loan in loans %}" + DUE_ROW + "{% endfor %}")
        .render(context)
    )
    new = (
        engines["django"]
        .from_string("{% load repairs_lists %}{% loan_due_rows loans can_change %}")
        .render(context)
    )

    assert new == old


def test_the_loaner_pool_rows_are_the_loops_markup():
    school = SimpleNamespace(pk=4, name="St. Mary's <Annex> & Co")
    schools = [
        LoanerPoolSummary(location=school, available=1234, out=5, due=2),  # type: ignore[arg-type]
        LoanerPoolSummary(location=school, available=0, out=0, due=0),  # type: ignore[arg-type]
    ]
    old = engines["django"].from_string("{% load ui links %}" + POOL_LOOP).render({"schools": schools})
    new = (
        engines["django"]
        .from_string("{% load repairs_lists %}{% loaner_pool_rows schools %}")
        .render({"schools": schools})
    )

    assert new == old
    assert ">1,234<" in new and "<strong>2</strong>" in new and 'class="num">0</td>' in new


# The stock list's rows as a template loop wrote them before repairs_lists.stock_rows.
STOCK_LOOP = (
    "{% for level in page %}\n"
    "        <tr"
    '{% if level.reorder_point and level.on_hand <= level.reorder_point %} class="low"'
    "{% endif %}>\n"
    '          <td data-label="Location">{{ level.stock_location }}</td>\n'
    '          <td data-label="Part"><span><a href="'
    "{% path 'repairs:part_detail' level.part_id %}\">{{ level.part.part_number }}"
    "</a> {{ level.part.description }}</span></td>\n"
    '          <td data-label="On hand" class="num"><span>{{ level.on_hand|qty }}'
    "{% if level.reorder_point and level.on_hand <= level.reorder_point %} "
    '<span class="badge text-bg-warning text-dark">Low</span>{% endif %}</span></td>\n'
    '          <td data-label="Reorder point" class="num">{{ level.reorder_point|qty }}</td>\n'
    "          {% if nav.can_move or nav.can_adjust %}\n"
    '          <td data-label="Actions" class="text-nowrap"><span class="d-inline-flex gap-2">\n'
    "            "
    "{% if nav.can_move %}"
    '<a class="btn btn-sm btn-outline-secondary" href="{{ transfer_url }}?part={{ level.part_id }}'
    '&amp;from_location={{ level.stock_location_id }}">Transfer<span class="visually-hidden"> '
    "{{ level.part.part_number }} from {{ level.stock_location }}</span></a>{% endif %}\n"
    "            "
    "{% if nav.can_adjust %}"
    '<a class="btn btn-sm btn-outline-secondary" href="{{ adjust_url }}?part={{ level.part_id }}'
    '&amp;stock_location={{ level.stock_location_id }}">Adjust<span class="visually-hidden"> '
    "{{ level.part.part_number }} at {{ level.stock_location }}</span></a>{% endif %}\n"
    "          </span></td>\n"
    "          {% endif %}\n"
    "        </tr>\n"
    "      {% endfor %}"
)


@pytest.mark.parametrize(
    ("can_move", "can_adjust"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_stock_rows_are_the_loops_markup(can_move: bool, can_adjust: bool):
    from repairs.models import Part, StockLevel, StockLocation

    van, depot = StockLocation(pk=3, name="Van <3> & Co"), StockLocation(pk=4, name="Depot")

    def level(where: StockLocation, part: Part, on_hand: int, reorder_point: int) -> StockLevel:
        return StockLevel(stock_location=where, part=part, on_hand=on_hand, reorder_point=reorder_point)

    levels = [
        level(van, Part(pk=11, part_number="P-<1>", description='Screen "13"'), 2, 5),  # low
        level(depot, Part(pk=12, part_number="P-2", description="Hinge"), 1250, 0),  # not stocked here
        level(depot, Part(pk=13, part_number="P-3", description="Key"), 3, 3),  # at its point: low
    ]
    context = {
        "page": levels,
        "nav": {"can_move": can_move, "can_adjust": can_adjust},
        "transfer_url": "/repairs/stock/transfer/",
        "adjust_url": "/repairs/stock/adjust/",
    }
    old = engines["django"].from_string("{% load ui links %}" + STOCK_LOOP).render(context)
    new = (
        engines["django"]
        .from_string(
            "{% load repairs_lists %}"
            "{% stock_rows page nav.can_move nav.can_adjust transfer_url adjust_url %}"
        )
        .render(context)
    )

    assert new == old
    assert new.count('class="low"') == 2 and ">1,250<" in new and "Van &lt;3&gt; &amp; Co" in new
    assert ("from_location=3" in new) is can_move and ("stock_location=4" in new) is can_adjust


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


# The ledger's rows as a template loop wrote them before repairs_lists.stock_movement_rows.
MOVEMENT_LOOP = (
    "{% for movement in movements %}\n"
    "      <tr>\n"
    '        <td data-label="When" class="text-nowrap">{{ movement.occurred_at|day_time }}</td>\n'
    '        <td data-label="Kind">{{ movement.get_kind_display }}</td>\n'
    '        <td data-label="Part"><a href="'
    "{% path 'repairs:part_detail' movement.part_id %}\">{{ movement.part.part_number }}</a></td>\n"
    '        <td data-label="Location">{{ movement.stock_location }}'
    "{% if movement.transfer_peer %} ({% if movement.quantity < 0 %}to{% else %}from"
    "{% endif %} {{ movement.transfer_peer }}){% endif %}</td>\n"
    '        <td data-label="Quantity" class="num">{% if movement.quantity > 0 %}+'
    "{% endif %}{{ movement.quantity|qty }}</td>\n"
    '        <td data-label="Unit cost" class="num">{{ movement.unit_cost|money }}</td>\n'
    '        <td data-label="Ticket or source">{% if movement.ticket_id %}<a href="'
    "{% path 'repairs:ticket_detail' movement.ticket_id %}\">Ticket #{{ movement.ticket_id }}"
    "</a>{% elif movement.source_device %}{{ movement.source_device.asset_tag }}{% else %}—"
    "{% endif %}</td>\n"
    '        <td data-label="Reason">{{ movement.reason|default:"—" }}</td>\n'
    '        <td data-label="By">{{ movement.actor|default:"—" }}</td>\n'
    "      </tr>\n"
    "    {% endfor %}"
)


def test_stock_movement_rows_are_the_loops_markup():
    from decimal import Decimal

    def movement(pk: int, kind: str, label: str, quantity: int, **extra: object) -> SimpleNamespace:
        fields = {
            "pk": pk,
            "occurred_at": dt.datetime(2027, 3, 4, 2, 30, tzinfo=dt.UTC),
            "get_kind_display": lambda: label,
            "part_id": 11,
            "part": SimpleNamespace(part_number="P-<1>"),
            "stock_location": _Named("Van <3> & Co"),
            "transfer_peer": None,
            "quantity": quantity,
            "unit_cost": None,
            "ticket_id": None,
            "source_device": None,
            "reason": "",
            "actor": _Named("Dana O'Neil"),
        }
        return SimpleNamespace(**{**fields, **extra})

    movements = [
        movement(1, "issued", "Issued to a ticket", -2, ticket_id=77, unit_cost=Decimal("12.5")),
        movement(2, "transfer_out", "Transferred out", -1, transfer_peer=_Named("Depot")),
        movement(3, "transfer_in", "Transferred in", 1250, transfer_peer=_Named("Depot & Annex")),
        movement(
            4,
            "harvested",
            "Harvested from a retired device",
            1,
            source_device=SimpleNamespace(asset_tag="CB-<9>"),
        ),
        movement(5, "adjusted", "Adjusted", -3, reason="Counted <wrong>", actor=None),
    ]
    with timezone.override("America/New_York"):
        old = (
            engines["django"]
            .from_string("{% load ui links %}" + MOVEMENT_LOOP)
            .render({"movements": movements})
        )
        new = (
            engines["django"]
            .from_string("{% load repairs_lists %}{% stock_movement_rows movements %}")
            .render({"movements": movements})
        )

    assert new == old
    assert "(to Depot)" in new and "(from Depot &amp; Annex)" in new and ">+1,250<" in new and ">-3<" in new
    assert "Ticket #77" in new and "CB-&lt;9&gt;" in new and "Counted &lt;wrong&gt;" in new
    assert ">2027-03-03 21:30<" in new and "$12.50" in new


# The parts catalogue's rows as a template loop wrote them before repairs_lists.part_rows.
PART_LOOP = (
    "{% for part in page %}\n"
    "        <tr>\n"
    '          <td data-label="Part number"><span><a href="'
    "{% path 'repairs:part_detail' part.pk %}\">{{ part.part_number }}</a>"
    '{% if part.is_demo %} <span class="badge text-bg-warning text-dark">Demo: never order'
    "</span>{% endif %}</span></td>\n"
    '          <td data-label="Description">{{ part.description }}</td>\n'
    '          <td data-label="Category">{{ part.get_category_display }}</td>\n'
    '          <td data-label="Vendor">{{ part.vendor|default:"—" }}</td>\n'
    '          <td data-label="Unit cost" class="num">{{ part.unit_cost|money }}</td>\n'
    '          <td data-label="On hand" class="num">{{ part.total_on_hand|qty }}</td>\n'
    "        </tr>\n"
    "      {% endfor %}"
)

# Low stock's rows as a template loop wrote them before repairs_lists.low_stock_rows.
LOW_LOOP = (
    "{% for level, on_order in rows %}\n"
    "      <tr>\n"
    '        <td data-label="Location">{{ level.stock_location }}</td>\n'
    '        <td data-label="Part"><span><a href="'
    "{% path 'repairs:part_detail' level.part_id %}\">{{ level.part.part_number }}"
    "</a> {{ level.part.description }}</span></td>\n"
    '        <td data-label="On hand" class="num">{{ level.on_hand|qty }}</td>\n'
    '        <td data-label="Reorder point" class="num">{{ level.reorder_point|qty }}</td>\n'
    '        <td data-label="On order" class="num">{{ on_order|qty }}</td>\n'
    "      </tr>\n"
    "    {% endfor %}"
)


def test_part_rows_are_the_loops_markup():
    from decimal import Decimal

    parts = [
        SimpleNamespace(
            pk=11,
            part_number="P-<1>",
            is_demo=True,
            description='Screen "13" & bezel',
            get_category_display=lambda: "Screen",
            vendor=_Named("Acme <Parts>"),
            unit_cost=Decimal("1234.5"),
            total_on_hand=Decimal("1250"),
        ),
        SimpleNamespace(
            pk=12,
            part_number="P-2",
            is_demo=False,
            description="Hinge",
            get_category_display=lambda: "Hinge",
            vendor=None,
            unit_cost=None,
            total_on_hand=0,
        ),
    ]
    old = engines["django"].from_string("{% load ui links %}" + PART_LOOP).render({"page": parts})
    new = (
        engines["django"].from_string("{% load repairs_lists %}{% part_rows page %}").render({"page": parts})
    )

    assert new == old
    assert "Demo: never order" in new and "Acme &lt;Parts&gt;" in new and "$1,234.50" in new and ">—<" in new


def test_low_stock_rows_are_the_loops_markup():
    from decimal import Decimal

    part = SimpleNamespace(part_number="P-<1>", description='Screen "13"')
    rows = [
        (
            SimpleNamespace(
                stock_location=_Named("Van & Co"),
                part_id=11,
                part=part,
                on_hand=Decimal("1"),
                reorder_point=Decimal("5"),
            ),
            Decimal("12"),
        ),
        (
            SimpleNamespace(
                stock_location=_Named("Depot"), part_id=11, part=part, on_hand=0, reorder_point=Decimal("2.5")
            ),
            0,
        ),
    ]
    old = engines["django"].from_string("{% load ui links %}" + LOW_LOOP).render({"rows": rows})
    new = (
        engines["django"]
        .from_string("{% load repairs_lists %}{% low_stock_rows rows %}")
        .render({"rows": rows})
    )

    assert new == old
    assert "Van &amp; Co" in new and ">2.5<" in new and ">12<" in new


# The ticket queue's location links as a template loop wrote them before
# repairs_lists.queue_location_links.
QUEUE_LINKS_LOOP = (
    '{% for place in locations %}<li class="list-inline-item">'
    "<a href=\"{% path 'repairs:ticket_queue_location' place.pk %}\""
    '{% if location and place.pk == location.pk %} aria-current="page"{% endif %}>'
    "{{ place.name }}</a></li>{% endfor %}"
)


@pytest.mark.parametrize("current", [None, 5])
def test_queue_location_links_are_the_loops_markup(current: int | None):
    places = [_Place(4, "St. Mary's <Annex> & Co"), _Place(5, "Depot")]
    location = _Place(current, "Depot") if current else None
    old = (
        engines["django"]
        .from_string("{% load links %}" + QUEUE_LINKS_LOOP)
        .render({"locations": places, "location": location})
    )
    new = (
        engines["django"]
        .from_string("{% load repairs_lists %}{% queue_location_links locations location %}")
        .render({"locations": [(place.pk, place.name) for place in places], "location": location})
    )

    assert new == old
    assert new.count('aria-current="page"') == (1 if current else 0)
    assert "St. Mary&#x27;s &lt;Annex&gt; &amp; Co" in new


class _Place:
    def __init__(self, pk: int | None, name: str) -> None:
        self.pk, self.name = pk, name
