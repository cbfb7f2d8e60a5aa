"""Filter parts shared by the apps' FilterSets. The row-reading choice fields serve the apps' plain
forms too (a stock transfer's 400 parts, a ticket's assignees): there, as in a filter bar, they
render and clean as Django's ``ModelChoiceField`` (``tests/core/test_filters.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import django_filters
from django import forms
from django.db import models
from django.db.models import Model, OrderBy, QuerySet
from django_filters import fields as filter_fields
from django_filters.constants import EMPTY_VALUES

from core.choices import choice_rank
from core.widgets import MemoSelect

M = TypeVar("M", bound=Model)


class FilterSet(django_filters.FilterSet):
    """django-filter's ``FilterSet``, its form class made once per filter set class.

    django-filter builds the form class afresh for every filter set: a form field per filter and a
    class through Django's form metaclass, 0.3 ms of every filtered list and list API. The first
    instance's class is kept; each form still deep-copies its fields, so no request shares a
    field with another (``tests/core/test_filters.py``). The apps' filters are fixed at class
    level (no queryset depends on the request), which keeping the class assumes.
    """

    _form_classes: ClassVar[dict[type[django_filters.FilterSet], type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = super().get_form_class()
            FilterSet._form_classes[type(self)] = form_class
        return form_class


class StableOrderingFilter(django_filters.OrderingFilter):
    """django-filter's ``OrderingFilter``, choice columns in their declared order, ties broken by
    the primary key.

    ``ranked`` names the fields whose choices sort by their place (``core.choices.choice_rank``):
    a ticket's priority from low to urgent, not "high, low, normal, urgent". Rows that share the
    sorted value (tickets of one priority) otherwise come back in whatever order the plan reads
    them: two requests for page 2 of tickets by priority listed different tickets, so a page
    could repeat a row of the page before and skip another. The key follows the first column's
    direction, so one index on (column, id) serves the sort both ways
    (``tests/core/test_sorting.py``, and ``tests/core/test_postgres.py`` for the indexes).
    """

    def __init__(
        self, *args: Any, ranked: Mapping[str, type[models.TextChoices]] | None = None, **kwargs: Any
    ) -> None:
        self.ranked = dict(ranked or {})
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[M], value: Any) -> QuerySet[M]:
        if value in EMPTY_VALUES:
            return qs
        ordering: list[str | OrderBy] = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            field = self.get_ordering_value(param)
            descending, name = field.startswith("-"), field.lstrip("-")
            if name in self.ranked:
                rank = choice_rank(name, self.ranked[name])
                ordering.append(rank.desc() if descending else rank.asc())
            else:
                ordering.append(field)
        if not ordering:
            return qs
        if not any(isinstance(field, str) and field.lstrip("-") in {"pk", "id"} for field in ordering):
            first = ordering[0]
            descending = first.descending if isinstance(first, OrderBy) else first.startswith("-")
            ordering.append("-pk" if descending else "pk")
        return qs.order_by(*ordering)


def filtered(
    filterset_class: type[django_filters.FilterSet], filters: Mapping[str, Any] | None, queryset: QuerySet[M]
) -> QuerySet[M]:
    """``filterset_class(filters, queryset=queryset).qs``, but with no filters the queryset itself.

    A filter set with no data changes nothing (every filter skips an empty value), yet building
    one deep-copies its filters and builds and validates its form: about 1 ms. Each list API asks
    its selector for the unfiltered rows and then filters them itself (``filterset_class``), so
    it paid that twice (``tests/core/test_filters.py``).
    """
    if not filters:
        return queryset
    return filterset_class(filters, queryset=queryset).qs


class RowChoiceIterator(filter_fields.ModelChoiceIterator):
    """django-filter's choices, each read as a row of a few columns rather than a model instance.

    A filter's dropdown lists every location (211 at district scale), user (250) or part (400)
    on every request: as model instances the users' took a fifth of the ticket list's time, as
    rows a tenth of that. The field names the columns (``option_fields``) and builds the label
    from them as the model's ``__str__`` does (``option_label``), so the options are the same
    (``tests/core/test_filters.py``).
    """

    field: RowModelChoiceField

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        label = self.field.option_label
        for pk, *values in self.queryset.values_list("pk", *self.field.option_fields):
            yield (pk, label(*values))


class RowModelChoiceField(filter_fields.ModelChoiceField):
    """A model choice field whose options are read as rows: by default a model whose ``__str__``
    is its ``name``."""

    iterator = RowChoiceIterator
    option_fields: ClassVar[tuple[str, ...]] = ("name",)

    @staticmethod
    def option_label(name: str) -> str:
        return name


class UserModelChoiceField(RowModelChoiceField):
    """Users, labelled as ``User.__str__``: the full name, else the username."""

    option_fields = ("first_name", "last_name", "username")

    @staticmethod
    def option_label(first_name: str, last_name: str, username: str) -> str:  # type: ignore[override]
        # ``accounts.models.User.name_of``, which core may not import.
        return f"{first_name} {last_name}".strip() or username


class PartModelChoiceField(RowModelChoiceField):
    """Parts, labelled as ``Part.__str__``: the part number and the description."""

    option_fields = ("part_number", "description")

    @staticmethod
    def option_label(part_number: str, description: str) -> str:  # type: ignore[override]
        return f"{part_number} {description}"


class NameModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ``ModelChoiceFilter`` over a model named by its ``name`` field (its ``__str__``); its
    dropdown, unless told otherwise, a ``MemoSelect``: the same bytes as a ``Select``, rendered
    once per set of options (a template per option took 0.1-0.3 ms even for three makers)."""

    field_class = RowModelChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MemoSelect)
        super().__init__(*args, **kwargs)


class UserModelChoiceFilter(NameModelChoiceFilter):
    """A ``ModelChoiceFilter`` over users, read as rows."""

    field_class = UserModelChoiceField


class PartModelChoiceFilter(NameModelChoiceFilter):
    """A ``ModelChoiceFilter`` over parts, read as rows."""

    field_class = PartModelChoiceField
