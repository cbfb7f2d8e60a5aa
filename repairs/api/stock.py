"""Parts, stock and purchase order API: thin views over repairs.services (stock, purchasing) and selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasAnyRole, signed_in_user
from core.pagination import KeysetCursorPagination
from fleet.selectors import devices as fleet_selectors
from repairs import permissions, selectors
from repairs.api.serializers import (
    PartOutputSerializer,
    PurchaseOrderOutputSerializer,
    PurchaseOrderSummaryOutputSerializer,
    StockLevelOutputSerializer,
    StockMovementOutputSerializer,
)
from repairs.filters.stock import (
    PartFilterSet,
    PurchaseOrderFilterSet,
    StockLevelFilterSet,
    StockMovementFilterSet,
)
from repairs.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Vendor,
)
from repairs.services import purchasing, stock


class CanViewStock(BasePermission):
    message = "Your role does not see parts and stock."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_view_stock(request.user)


class CanMoveStock(BasePermission):
    message = "Your role does not issue or return parts."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or permissions.can_move_stock(request.user)


class CanUsePurchaseOrders(BasePermission):
    message = "Purchase orders are for procurement and administrators."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_manage_purchase_orders(request.user)


STOCK_READ = [IsAuthenticated, HasAnyRole, CanViewStock]
PURCHASING = [IsAuthenticated, HasAnyRole, CanUsePurchaseOrders]


class TicketPartsApi(APIView):
    """Parts issued to and returned from a ticket; POST issues or returns one part."""

    permission_classes = [*STOCK_READ, CanMoveStock]

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=["issue", "return"])
        part = serializers.PrimaryKeyRelatedField(
            queryset=Part.objects.all(),
            help_text="An active part to issue (a misfit needs ``override_reason``); any part to return.",
        )
        stock_location = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.all())
        quantity = serializers.IntegerField(min_value=1, max_value=stock.MAX_ISSUE_QUANTITY, default=1)
        override_reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    @extend_schema(responses=StockMovementOutputSerializer(many=True))
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = selectors.ticket_for_parts_get(user=request.user, ticket_id=ticket_id)
        movements = selectors.ticket_part_movements(ticket=ticket)
        return Response(StockMovementOutputSerializer(movements, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: StockMovementOutputSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        ticket = selectors.ticket_for_parts_get(user=request.user, ticket_id=ticket_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        part, location, quantity = data["part"], data["stock_location"], data["quantity"]
        if data["action"] == "issue":
            movement = stock.stock_issue_to_ticket(
                ticket=ticket,
                part=part,
                stock_location=location,
                actor=signed_in_user(request),
                quantity=quantity,
                override_reason=data["override_reason"],
            )
        else:
            movement = stock.stock_return_from_ticket(
                ticket=ticket,
                part=part,
                stock_location=location,
                actor=signed_in_user(request),
                quantity=quantity,
            )
        return Response(StockMovementOutputSerializer(movement).data, status=status.HTTP_201_CREATED)


class PartListApi(ListAPIView):
    """The parts catalogue with total on hand; filters as on the catalogue page."""

    permission_classes = STOCK_READ
    serializer_class = PartOutputSerializer
    filterset_class = PartFilterSet
    queryset = Part.objects.none()  # tells the schema generator the model

    def get_queryset(self) -> QuerySet[Part]:
        return selectors.part_list(with_model_ids=True)


class StockLevelListApi(ListAPIView):
    """On hand per part and stock location; ``low=true`` lists what is at or below its reorder point."""

    permission_classes = STOCK_READ
    serializer_class = StockLevelOutputSerializer
    filterset_class = StockLevelFilterSet
    queryset = StockLevel.objects.none()

    def get_queryset(self) -> QuerySet[StockLevel]:
        return selectors.stock_levels()


class StockMovementListApi(ListAPIView):
    """The append-only stock ledger, newest first, in keyset pages: ``next`` and ``previous`` carry
    ``after``/``before`` cursors, so a page deep in 850,000 movements costs what the first does."""

    permission_classes = STOCK_READ
    pagination_class = KeysetCursorPagination
    serializer_class = StockMovementOutputSerializer
    filterset_class = StockMovementFilterSet
    queryset = StockMovement.objects.none()

    def get_queryset(self) -> QuerySet[StockMovement]:
        return selectors.stock_movement_list()


class PurchaseOrderListApi(ListAPIView):
    """Purchase orders with their totals (GET) and a new draft order with its lines (POST)."""

    permission_classes = PURCHASING
    serializer_class = PurchaseOrderSummaryOutputSerializer
    filterset_class = PurchaseOrderFilterSet
    queryset = PurchaseOrder.objects.none()

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
            quantity = serializers.IntegerField(min_value=1, max_value=100000)
            unit_cost = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)

        vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
        ship_to = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.all())
        expected_on = serializers.DateField(required=False, allow_null=True, default=None)
        notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        lines = LineSerializer(many=True, allow_empty=False)

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        return selectors.purchase_order_list()

    @extend_schema(request=InputSerializer, responses={201: PurchaseOrderOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = purchasing.purchase_order_create(
            actor=signed_in_user(request),
            vendor=data["vendor"],
            ship_to=data["ship_to"],
            expected_on=data["expected_on"],
            notes=data["notes"],
            lines=[
                purchasing.LineInput(line["part"], line["quantity"], line["unit_cost"])
                for line in data["lines"]
            ],
        )
        order = selectors.purchase_order_get(order_id=order.pk)
        return Response(PurchaseOrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class PurchaseOrderDetailApi(APIView):
    permission_classes = PURCHASING

    @extend_schema(responses=PurchaseOrderOutputSerializer)
    def get(self, request: Request, order_id: int) -> Response:
        order = selectors.purchase_order_get(order_id=order_id)
        return Response(PurchaseOrderOutputSerializer(order).data)


class PurchaseOrderSendApi(APIView):
    """Mark a draft order as sent to its vendor."""

    permission_classes = PURCHASING

    @extend_schema(request=None, responses=PurchaseOrderOutputSerializer)
    def post(self, request: Request, order_id: int) -> Response:
        order = selectors.purchase_order_get(order_id=order_id)
        purchasing.purchase_order_send(order=order, actor=signed_in_user(request))
        return Response(PurchaseOrderOutputSerializer(selectors.purchase_order_get(order_id=order_id)).data)


class PurchaseOrderReceiveApi(APIView):
    """Receive some or all outstanding lines into the order's ship-to location."""

    permission_classes = PURCHASING

    class InputSerializer(serializers.Serializer):
        class ReceiptSerializer(serializers.Serializer):
            line = serializers.PrimaryKeyRelatedField(queryset=PurchaseOrderLine.objects.all())
            quantity = serializers.IntegerField(min_value=1, max_value=100000)
            unit_cost = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)

        lines = ReceiptSerializer(many=True, allow_empty=False)

    @extend_schema(request=InputSerializer, responses=PurchaseOrderOutputSerializer)
    def post(self, request: Request, order_id: int) -> Response:
        order = selectors.purchase_order_get(order_id=order_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        receipts = [
            purchasing.ReceiptInput(item["line"], item["quantity"], item["unit_cost"])
            for item in serializer.validated_data["lines"]
        ]
        purchasing.purchase_order_receive(order=order, receipts=receipts, actor=signed_in_user(request))
        return Response(PurchaseOrderOutputSerializer(selectors.purchase_order_get(order_id=order_id)).data)


class PurchaseOrderCancelApi(APIView):
    """Cancel a draft or sent order that has received nothing."""

    permission_classes = PURCHASING

    @extend_schema(request=None, responses=PurchaseOrderOutputSerializer)
    def post(self, request: Request, order_id: int) -> Response:
        order = selectors.purchase_order_get(order_id=order_id)
        purchasing.purchase_order_cancel(order=order, actor=signed_in_user(request))
        return Response(PurchaseOrderOutputSerializer(selectors.purchase_order_get(order_id=order_id)).data)


class StockHarvestApi(APIView):
    """Book a part taken from a retired device into stock (a ``harvested`` movement)."""

    permission_classes = [IsAuthenticated, HasAnyRole, CanViewStock, CanMoveStock]

    class InputSerializer(serializers.Serializer):
        part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
        stock_location = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.all())
        source_device = serializers.CharField(
            max_length=60, help_text="Asset tag or serial of the retired device."
        )
        quantity = serializers.IntegerField(min_value=1, max_value=20, default=1)

    @extend_schema(request=InputSerializer, responses={201: StockMovementOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device = fleet_selectors.device_find_exact(user=request.user, identifier=data["source_device"])
        if device is None:
            raise serializers.ValidationError(
                {"source_device": ["No single device has this asset tag or serial."]}
            )
        movement = stock.stock_harvest(
            part=data["part"],
            stock_location=data["stock_location"],
            source_device=device,
            actor=signed_in_user(request),
            quantity=data["quantity"],
        )
        return Response(StockMovementOutputSerializer(movement).data, status=status.HTTP_201_CREATED)
