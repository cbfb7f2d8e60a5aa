"""Harvesting parts from retired devices and cancelling purchase orders through the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from fleet.choices import DeviceStatus
from repairs.choices import PurchaseOrderStatus, StockMovementKind
from repairs.models import PurchaseOrder, StockLevel, StockMovement
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import PartFactory, PurchaseOrderFactory, StockLocationFactory

pytestmark = pytest.mark.django_db

Client = Callable[[User], APIClient]


def _harvest_setup(status: str) -> dict[str, object]:
    device = DeviceFactory.create(asset_tag="CB-RETIRED1", status=status)
    part = PartFactory.create()
    part.compatible_models.add(device.model)
    depot = StockLocationFactory.create()
    return {"part": part.pk, "stock_location": depot.pk, "source_device": "cb-retired1", "quantity": 2}


def test_stock_harvest_api_books_parts_from_a_retired_device(token_api_client: Client, technician: User):
    payload = _harvest_setup(DeviceStatus.RETIRED)

    response = token_api_client(technician).post("/api/stock/harvest/", payload, format="json")

    assert response.status_code == 201, response.json()
    movement = StockMovement.objects.select_related("source_device").get()
    assert movement.source_device is not None
    assert (movement.kind, movement.quantity, movement.source_device.asset_tag) == (
        StockMovementKind.HARVESTED,
        2,
        "CB-RETIRED1",
    )
    assert StockLevel.objects.get().on_hand == 2


def test_stock_harvest_api_from_a_device_in_service_is_400(token_api_client: Client, technician: User):
    payload = _harvest_setup(DeviceStatus.DEPLOYED)

    response = token_api_client(technician).post("/api/stock/harvest/", payload, format="json")

    assert response.status_code == 400
    assert "not retired" in response.json()["source_device"][0]
    assert not StockMovement.objects.exists()


def test_stock_harvest_api_with_unknown_device_is_400_on_the_field(
    token_api_client: Client, technician: User
):
    payload = _harvest_setup(DeviceStatus.RETIRED) | {"source_device": "NOPE"}

    response = token_api_client(technician).post("/api/stock/harvest/", payload, format="json")

    assert response.status_code == 400
    assert "source_device" in response.json()


@pytest.mark.parametrize("actor", ["procurement", "school_admin"])
def test_stock_harvest_api_for_roles_that_do_not_move_stock_is_403(
    token_api_client: Client, request: pytest.FixtureRequest, actor: str
):
    payload = _harvest_setup(DeviceStatus.RETIRED)

    response = token_api_client(request.getfixturevalue(actor)).post(
        "/api/stock/harvest/", payload, format="json"
    )

    assert response.status_code == 403
    assert not StockMovement.objects.exists()


def test_purchase_order_cancel_api_cancels_a_draft(token_api_client: Client, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.DRAFT)

    response = token_api_client(procurement).post(f"/api/purchase-orders/{order.pk}/cancel/")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.CANCELLED


def test_purchase_order_cancel_api_of_a_received_order_is_400(token_api_client: Client, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.RECEIVED)

    response = token_api_client(procurement).post(f"/api/purchase-orders/{order.pk}/cancel/")

    assert response.status_code == 400
    assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrderStatus.RECEIVED


def test_purchase_order_cancel_api_for_a_technician_is_403(token_api_client: Client, technician: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.DRAFT)

    assert token_api_client(technician).post(f"/api/purchase-orders/{order.pk}/cancel/").status_code == 403
