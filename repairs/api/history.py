"""Repairs API: the recorded changes of a ticket, a part and a purchase order, each visible to
whoever may read the object itself."""

from __future__ import annotations

from django.db.models import QuerySet
from pghistory.models import Events

from core.api.history import HistoryListApi
from repairs import selectors
from repairs.api.stock import PURCHASING, STOCK_READ
from repairs.api.tickets import TICKETS
from repairs.models import Part, PurchaseOrder, Ticket


class TicketHistoryListApi(HistoryListApi):
    """Every recorded change of one ticket, newest first: who, when, and {field: [old, new]}."""

    permission_classes = TICKETS

    def get_subject(self) -> Ticket:
        return selectors.ticket_get(user=self.request.user, ticket_id=self.kwargs["ticket_id"])

    def get_history(self, subject: Ticket) -> QuerySet[Events]:  # type: ignore[override]
        return selectors.ticket_change_list(ticket=subject)


class PartHistoryListApi(HistoryListApi):
    """Every recorded change of one catalogue part, newest first."""

    permission_classes = STOCK_READ

    def get_subject(self) -> Part:
        return selectors.part_get(part_id=self.kwargs["part_id"])

    def get_history(self, subject: Part) -> QuerySet[Events]:  # type: ignore[override]
        return selectors.part_change_list(part=subject)


class PurchaseOrderHistoryListApi(HistoryListApi):
    """Every recorded change of one purchase order and of its lines, newest first."""

    permission_classes = PURCHASING

    def get_subject(self) -> PurchaseOrder:
        return selectors.purchase_order_get(order_id=self.kwargs["order_id"])

    def get_history(self, subject: PurchaseOrder) -> QuerySet[Events]:  # type: ignore[override]
        return selectors.purchase_order_change_list(order=subject)
