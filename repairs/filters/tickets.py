"""The ticket filters, shared by the HTML ticket lists and queues and the tickets API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from accounts.models import User
from core.filters import FilterSet, NameModelChoiceFilter, StableOrderingFilter, UserModelChoiceFilter
from fleet.filters import normalise_identifier
from fleet.models import Location
from repairs.choices import OPEN_TICKET_STATUSES, Priority, SupportTier, Symptom, TicketStatus
from repairs.filters.stock import yes_no_select
from repairs.models import Ticket

OPEN_CHOICES = [("open", "Open"), ("closed", "Finished")]


class TicketFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Device asset tag or serial starts with")
    # One status per ticket: the filter cannot duplicate rows, so no DISTINCT.
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False)
    state = django_filters.ChoiceFilter(choices=OPEN_CHOICES, method="filter_state", label="Open or finished")
    symptom = django_filters.ChoiceFilter(choices=Symptom.choices)
    tier = django_filters.ChoiceFilter(choices=SupportTier.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    assignee = UserModelChoiceFilter(queryset=User.objects.all())
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Unassigned", widget=yes_no_select()
    )
    location = NameModelChoiceFilter(queryset=Location.objects.all())
    ordering = StableOrderingFilter(
        fields=(
            ("opened_at", "opened_at"),
            ("priority", "priority"),
            ("status", "status"),
            ("device__asset_tag", "asset_tag"),
        ),
        ranked={"priority": Priority, "status": TicketStatus},
        label="Sort by",
        empty_label="Newest first",
    )

    class Meta:
        model = Ticket
        fields = ["q", "status", "state", "symptom", "tier", "priority", "assignee", "unassigned", "location"]

    def filter_q(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        prefix = normalise_identifier(value)
        if not prefix:
            return queryset
        return queryset.filter(Q(device__asset_tag__startswith=prefix) | Q(device__serial__startswith=prefix))

    def filter_state(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if value == "open":
            return queryset.filter(status__in=OPEN_TICKET_STATUSES)
        return queryset.exclude(status__in=OPEN_TICKET_STATUSES)
