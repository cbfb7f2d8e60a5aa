"""Issuing a part from the ticket page: stock drops by one, misfits need a reason, roles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from repairs.choices import PartCategory, StockMovementKind, TicketStatus
from repairs.models import Part, StockLevel, StockMovement, Ticket
from repairs.services import stock
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import PartFactory, StockLevelFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screen_ticket(technician: User) -> tuple[Ticket, int, int]:
    """An in-progress ticket, a screen that fits its device and 3 of them at the depot."""
    device = DeviceFactory.create()
    ticket = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS)
    screen = PartFactory.create(category=PartCategory.LCD_PANEL, description="11.6in HD panel")
    screen.compatible_models.add(device.model)
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(
        part=screen, stock_location=depot, quantity=3, actor=technician, unit_cost=Decimal("48")
    )
    return ticket, screen.pk, depot.pk


def test_ticket_page_lists_fitting_parts_with_stock(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, _, _ = screen_ticket

    html = login(technician).get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()

    assert 'id="part-issue"' in html and "3 on hand" in html and "No parts yet." in html


def test_ticket_issue_part_drops_stock_by_one_and_lists_the_part(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = screen_ticket
    client = login(technician)

    response = client.post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code == 302
    assert StockLevel.objects.get(part_id=part_id, stock_location_id=depot_id).on_hand == 2
    movement = StockMovement.objects.get(ticket=ticket)
    assert (movement.kind, movement.quantity) == (StockMovementKind.ISSUED, -1)
    html = client.get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()
    assert "11.6in HD panel" in html and "2 on hand" in html


def test_ticket_issue_part_beyond_stock_rerenders_actions_with_409(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = screen_ticket

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 5},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="ticket-actions"')
    assert "Not enough" in html and "3 on hand" in html
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_ticket_issue_part_that_does_not_fit_without_a_reason_is_refused(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, _, depot_id = screen_ticket
    misfit = PartFactory.create()
    StockLevelFactory.create(part=misfit, stock_location_id=depot_id, on_hand=3)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": misfit.pk, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code == 200
    assert "does not fit this device&#x27;s model" in response.content.decode()
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_ticket_issue_part_that_does_not_fit_with_a_reason_is_issued(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    """The form offers every active part, as the API does: a misfit goes out with its reason."""
    ticket, _, depot_id = screen_ticket
    misfit = PartFactory.create()
    StockLevelFactory.create(part=misfit, stock_location_id=depot_id, on_hand=3)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": misfit.pk, "stock_location": depot_id, "quantity": 1, "override_reason": "Same panel"},
    )

    assert response.status_code == 302
    assert StockMovement.objects.get(ticket=ticket).reason == "Override: Same panel"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"is_active": False}, "part"), ({}, "quantity")],
    ids=["inactive part", "over the quantity cap"],
)
def test_ticket_issue_part_refuses_what_the_api_refuses(
    technician: User,
    login: Callable[[User], Client],
    screen_ticket: tuple[Ticket, int, int],
    change: dict[str, object],
    field: str,
):
    ticket, part_id, depot_id = screen_ticket
    Part.objects.filter(pk=part_id).update(**change)
    StockLevel.objects.filter(part_id=part_id).update(on_hand=100)
    quantity = stock.MAX_ISSUE_QUANTITY + (1 if field == "quantity" else 0)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": quantity},
    )

    assert response.status_code == 200
    assert f"{field}:" in response.content.decode()
    assert not StockMovement.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("actor", ["procurement", "school_admin"])
def test_ticket_issue_part_by_roles_that_do_not_repair_is_refused(
    actor: str,
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    screen_ticket: tuple[Ticket, int, int],
):
    ticket, part_id, depot_id = screen_ticket

    response = login(request.getfixturevalue(actor)).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code in (403, 404)
    assert StockLevel.objects.get(part_id=part_id, stock_location_id=depot_id).on_hand == 3


#: The ticket page's two selects as the template wrote them before ``part_issue_options`` and
#: ``stock_location_options`` built them in Python; the tags must give the same bytes.
OLD_LOOPS = (
    '{% load ui %}{% with chosen=part_form.part.value|stringformat:"s" '
    'where=part_form.stock_location.value|stringformat:"s" %}'
    '{% for part in part_form.fields.part.queryset %}<option value="{{ part.pk }}"'
    '{% if chosen == part.pk|stringformat:"s" %} selected{% endif %}>{{ part.part_number }} · '
    "{{ part.description|default:part.get_category_display }} · {{ part.total_on_hand|count }} on hand"
    "{% if not part.fits %} · does not fit: give an override reason{% endif %}</option>"
    '{% empty %}<option value="">No active part in the catalogue</option>{% endfor %}|'
    "{% for place in part_form.fields.stock_location.queryset %}"
    '<option value="{{ place.pk }}"{% if where == place.pk|stringformat:"s" %} selected{% endif %}>'
    "{{ place.name }}</option>{% endfor %}{% endwith %}"
)
NEW_TAGS = "{% load repairs %}{% part_issue_options part_form %}|{% stock_location_options part_form %}"


@pytest.mark.parametrize("posted", [False, True], ids=["initial", "posted"])
def test_part_select_options_are_the_template_loops_bytes(technician: User, posted: bool):
    from django.http import QueryDict
    from django.template import Context, Template

    from repairs import selectors
    from repairs.forms.tickets import TicketPartIssueForm

    device = DeviceFactory.create()
    ticket = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS)
    fitting = PartFactory.create(category=PartCategory.LCD_PANEL, description='11.6" <HD> & "matte"')
    fitting.compatible_models.add(device.model)
    PartFactory.create(category=PartCategory.BATTERY, description="")  # label from its category
    PartFactory.create(category=PartCategory.KEYBOARD, part_number="KB&'1")
    PartFactory.create(is_active=False)  # never offered
    depot = StockLocationFactory.create(name="Depot <north> & 'annex'")
    StockLocationFactory.create(name="Van 2")
    stock.stock_receive(
        part=fitting, stock_location=depot, quantity=1234, actor=technician, unit_cost=Decimal("48")
    )
    data = QueryDict(f"part={fitting.pk}&stock_location={depot.pk}&quantity=1") if posted else None
    form = TicketPartIssueForm(
        data,
        parts=selectors.ticket_part_choices(ticket=ticket),
        stock_locations=selectors.stock_location_list(),
        user=technician,
        symptom=ticket.symptom,
    )
    context = Context({"part_form": form})

    new = Template(NEW_TAGS).render(context)

    assert new == Template(OLD_LOOPS).render(context)
    assert "1,234 on hand" in new and "&lt;HD&gt; &amp; &quot;matte&quot;" in new and "KB&amp;&#x27;1" in new
    assert new.count("does not fit") == 2 and " selected" in new


def test_part_select_says_so_when_the_catalogue_has_no_active_part(technician: User):
    from django.template import Context, Template

    from repairs import selectors
    from repairs.forms.tickets import TicketPartIssueForm

    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    Part.objects.update(is_active=False)
    form = TicketPartIssueForm(
        parts=selectors.ticket_part_choices(ticket=ticket),
        stock_locations=selectors.stock_location_list(),
        user=technician,
    )

    html = Template(NEW_TAGS).render(Context({"part_form": form}))

    assert html.startswith('<option value="">No active part in the catalogue</option>|')
