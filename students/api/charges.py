"""Charges API: the list with the charges page's filters, one charge with its payments, and
confirming, waiving and paying it. For the roles that manage charges."""

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
from students import permissions, selectors
from students.api.serializers import (
    ChargeDetailOutputSerializer,
    ChargeOutputSerializer,
    PaymentOutputSerializer,
)
from students.choices import PaymentMethod
from students.filters import ChargeFilterSet
from students.models import Charge
from students.services import charges as services


class CanManageCharges(BasePermission):
    message = "Your role does not manage student charges."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_manage_charges(request.user)


CHARGES = [IsAuthenticated, HasAnyRole, CanManageCharges]


def _amount_field(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class ChargeListApi(ListAPIView):
    """Charges of the students the caller sees, newest first (filters: status, school)."""

    permission_classes = CHARGES
    serializer_class = ChargeOutputSerializer
    filterset_class = ChargeFilterSet
    queryset = Charge.objects.none()  # tells the schema generator the model

    def get_queryset(self) -> QuerySet[Charge]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no signed-in user
            return Charge.objects.none()
        return selectors.charge_list(user=self.request.user)


class ChargeDetailApi(APIView):
    """One charge with its payments."""

    permission_classes = CHARGES

    @extend_schema(responses=ChargeDetailOutputSerializer)
    def get(self, request: Request, charge_id: int) -> Response:
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        return Response(ChargeDetailOutputSerializer(charge).data)


class ChargeConfirmApi(APIView):
    """Confirm a proposed charge, at its fee or at ``amount`` with a ``reason``. ``version`` is the
    one last read: a stale one gets 409."""

    permission_classes = CHARGES

    class InputSerializer(serializers.Serializer):
        amount = _amount_field(required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses=ChargeDetailOutputSerializer)
    def post(self, request: Request, charge_id: int) -> Response:
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.charge_confirm(
            charge=charge, actor=signed_in_user(request), expected_version=data.pop("version"), **data
        )
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        return Response(ChargeDetailOutputSerializer(charge).data)


class ChargeWaiveApi(APIView):
    """Waive what is left of a charge, saying why. ``version`` is the one last read (409 if stale)."""

    permission_classes = CHARGES

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=255)
        version = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses=ChargeDetailOutputSerializer)
    def post(self, request: Request, charge_id: int) -> Response:
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.charge_waive(
            charge=charge,
            actor=signed_in_user(request),
            reason=data["reason"],
            expected_version=data["version"],
        )
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        return Response(ChargeDetailOutputSerializer(charge).data)


class ChargePayApi(APIView):
    """Record a payment (part or all of what is owed); answers the payment with its receipt number.
    More than the balance is refused under ``amount``."""

    permission_classes = CHARGES

    class InputSerializer(serializers.Serializer):
        amount = _amount_field()
        method = serializers.ChoiceField(choices=PaymentMethod.choices)
        note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: PaymentOutputSerializer})
    def post(self, request: Request, charge_id: int) -> Response:
        charge = selectors.charge_get(user=request.user, charge_id=charge_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.charge_pay(
            charge=charge, actor=signed_in_user(request), **serializer.validated_data
        )
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)
