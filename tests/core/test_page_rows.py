"""``core.pagination.rows_by_id``: a page's rows read as columns, shaped as its instances are."""

from __future__ import annotations

import pytest

from core.pagination import rows_by_id
from repairs.models import Ticket
from tests.accounts.factories import UserFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "device__model__name", "assignee_id", "assignee__username", "status")


def test_rows_come_in_the_ids_order_nested_as_the_instances_with_an_empty_relation_as_none():
    first = TicketFactory.create(assignee=UserFactory.create(username="dana"))
    second = TicketFactory.create()

    rows = rows_by_id(Ticket.objects.all(), [second.pk, 999_999, first.pk], COLUMNS)

    assert [row.id for row in rows] == [second.pk, first.pk]  # an id with no row is left out
    assert rows[0].assignee is None and rows[0].assignee_id is None
    assert rows[1].assignee.username == "dana"
    assert rows[1].device.model.name == first.device.model.name
    assert rows[1].status == first.status


def test_rows_stay_within_the_queryset():
    ticket = TicketFactory.create()
    assert rows_by_id(Ticket.objects.exclude(pk=ticket.pk), [ticket.pk], COLUMNS) == []
