"""Admin pieces every app's ``admin.py`` shares: change messages that say old → new, append-only
history pages, and actions that change state through a service instead of the change form.

Statuses and ledgers are read-only on the change forms; the actions built with ``run_service``
(one object at a time) and ``service_action_form`` (an intermediate form first) are the only way
the admin moves them, so the service's rules, events and actor apply. Registers no model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from core.exceptions import DomainError
from core.pagination import CappedPaginator

M = TypeVar("M", bound=models.Model)

EMPTY = "(empty)"
ARROW = "\u2192"
MAX_VALUE_CHARS = 80
# Values a change message never repeats: they are secrets, not history.
SECRET_FIELDS = frozenset({"password"})
# One action changes at most this many rows: each goes through its service and is listed on the
# intermediate page, so "select all 250,000 devices" is refused rather than left to time out.
MAX_ACTION_OBJECTS = 200


# Values as people read them -------------------------------------------------------------------


def _plain(value: object) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M}"
    if isinstance(value, models.Model):
        return str(value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "\u2026"


def _choice_label(choices: Iterable[Any], value: object) -> str | None:
    for key, label in choices:
        if isinstance(label, list | tuple):  # an option group
            found = _choice_label(label, value)
            if found is not None:
                return found
        elif str(key) == str(value):
            return str(label)
    return None


def _form_value(field: forms.Field | None, value: object) -> str:
    """A form value (initial or cleaned) as the form would label it: choices by their label,
    related rows by their ``__str__`` (initial values of a related field are primary keys)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) else []
        pks = [item.pk if isinstance(item, models.Model) else item for item in items]
        queryset = field.queryset
        rows = queryset.filter(pk__in=pks).order_by("pk") if pks and queryset is not None else []
        return ", ".join(str(row) for row in rows) or EMPTY
    if isinstance(field, forms.ModelChoiceField):
        if value in (None, "") or isinstance(value, models.Model):
            return _plain(value)
        key = field.to_field_name or "pk"
        row = field.queryset.filter(**{key: value}).first() if field.queryset is not None else None
        return str(row) if row is not None else _plain(value)
    if isinstance(field, forms.ChoiceField) and value not in (None, ""):
        label = _choice_label(field.choices, value)  # type: ignore[arg-type]
        if label is not None:
            return label
    return _plain(value)


def _label(form: forms.BaseForm, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else capfirst(name.replace("_", " "))


def form_changes(form: forms.BaseForm, names: Iterable[str]) -> list[str]:
    """``Label: old → new`` for each changed field of a bound, valid form."""
    lines = []
    for name in names:
        field = form.fields.get(name)
        if name in SECRET_FIELDS:
            lines.append(f"{_label(form, name)} (changed)")
            continue
        before = form.get_initial_for_field(field, name) if field is not None else None
        after = form.cleaned_data.get(name)
        lines.append(
            f"{_label(form, name)}: {_form_value(field, before)} {ARROW} {_form_value(field, after)}"
        )
    return lines


def field_value(obj: models.Model, name: str) -> str:
    """One model field of ``obj`` as a person reads it (choice label, related row, local time)."""
    field = obj._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete field, never a reverse relation
    if isinstance(field, models.ForeignKey):
        return _plain(getattr(obj, name))
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        label = _choice_label(field.flatchoices, value)
        if label is not None:
            return label
    return _plain(value)


def field_label(model: type[models.Model], name: str) -> str:
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
    except (FieldDoesNotExist, AttributeError):
        return capfirst(name.replace("_", " "))


def object_changes(before: Mapping[str, str], after: models.Model) -> list[str]:
    """``Label: old → new`` for each field of ``before`` (name → shown value) that differs on ``after``."""
    lines = []
    for name, old in before.items():
        new = field_value(after, name)
        if new != old:
            lines.append(f"{field_label(type(after), name)}: {old} {ARROW} {new}")
    return lines


# ModelAdmin mixins --------------------------------------------------------------------------------


class OldNewChangeMessageMixin:
    """The admin log says what each changed field was and became.

    Django's message only names the changed fields; this keeps its JSON shape (so the history
    page renders it) with ``Field: old → new`` in place of each name, for inline rows too.
    """

    def construct_change_message(
        self,
        request: HttpRequest,
        form: forms.Form,
        formsets: Iterable[forms.BaseFormSet[Any]],
        add: bool = False,
    ) -> list[dict[str, dict[str, list[str]]]]:
        message: list[dict[str, dict[str, list[str]]]] = super().construct_change_message(  # type: ignore[misc]
            request, form, formsets, add
        )
        if not add and form.changed_data and message and "changed" in message[0]:
            message[0] = {"changed": {"fields": form_changes(form, form.changed_data)}}
        inline_changes = [
            (form, changed) for formset in formsets or [] for form, changed in _changed_inline_forms(formset)
        ]
        changed_entries = [
            entry
            for entry in message
            if "changed" in entry and "object" in entry["changed"]  # inline rows carry their object
        ]
        for entry, (inline_form, changed) in zip(changed_entries, inline_changes, strict=False):
            entry["changed"]["fields"] = form_changes(inline_form, changed)
        return message


def _changed_inline_forms(formset: Any) -> list[tuple[forms.BaseForm, list[str]]]:
    """The inline forms Django counted as changed objects, in its order, with their changed fields."""
    changed_objects = getattr(formset, "changed_objects", [])
    by_instance = {id(form.instance): form for form in formset.forms}
    return [(by_instance[id(obj)], list(fields)) for obj, fields in changed_objects if id(obj) in by_instance]


# Rows per admin changelist page (Django's default is 100): rendering the rows is most of a
# changelist's time once its queries are bounded, and fifty fill a laptop screen twice.
ADMIN_PER_PAGE = 50


class AuditedModelAdmin(OldNewChangeMessageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The project's ModelAdmin: log entries of a change say old → new."""

    list_per_page = ADMIN_PER_PAGE


class BigTableAdminMixin:
    """Changelists over millions of rows (tickets, their events, custody events, the ledger).

    No full count next to a filtered one, and the count itself stops at 10,000 (the page links
    stop there too; filter or search to go further): an exact COUNT(*) of 5 million ticket events
    took longer than rendering the page. Pair it with an index on the default ordering.
    """

    show_full_result_count: ClassVar[bool] = False
    paginator: ClassVar[type] = CappedPaginator
    list_per_page: ClassVar[int] = ADMIN_PER_PAGE

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if not getattr(self, "date_hierarchy", None):
            return queryset
        # The date hierarchy's links come from a SELECT DISTINCT date_trunc(...) over every row the
        # filters leave: a whole-table scan of 5 million ticket events. Periods from the first and
        # last row instead (two probes of the column's index); the drill-down itself is a range.
        queryset.__class__ = _periods_from_range(type(queryset))
        return queryset


def _periods_from_range(base: type[models.QuerySet[Any]]) -> type[models.QuerySet[Any]]:
    if issubclass(base, _PeriodsFromRange):
        return base
    return type(f"PeriodsFromRange{base.__name__}", (_PeriodsFromRange, base), {})


class _PeriodsFromRange(models.QuerySet[Any]):
    """``dates()``/``datetimes()`` as every year, month or day from the first row's to the last's.

    A period inside that range with no rows is listed too, and opens an empty page: the price of
    not scanning the table for which periods hold rows.
    """

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> Any:
        return self._periods(field_name, kind, order, is_datetime=True)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        return self._periods(field_name, kind, order, is_datetime=False)

    def _periods(self, field_name: str, kind: str, order: str, *, is_datetime: bool) -> list[Any]:
        if kind not in ("year", "month", "day"):
            raise ValueError(f"No periods of {kind!r} in a date hierarchy.")
        bounds = self.order_by().aggregate(first=models.Min(field_name), last=models.Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        if is_datetime and timezone.is_aware(first):
            first, last = timezone.localtime(first), timezone.localtime(last)
        day, end = _truncate(first, kind), _truncate(last, kind)
        periods: list[Any] = []
        while day <= end:
            periods.append(timezone.make_aware(dt.datetime.combine(day, dt.time())) if is_datetime else day)
            day = _step(day, kind)
        return periods[::-1] if order == "DESC" else periods


def _truncate(value: dt.date, kind: str) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if kind == "year":
        return day.replace(month=1, day=1)
    return day.replace(day=1) if kind == "month" else day


def _step(day: dt.date, kind: str) -> dt.date:
    if kind == "year":
        return day.replace(year=day.year + 1)
    if kind == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


class AppendOnlyAdminMixin:
    """History and ledgers written by services: shown, never added, changed or deleted here."""

    list_per_page: ClassVar[int] = ADMIN_PER_PAGE

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


# Actions through services -------------------------------------------------------------------------


def refusal_reason(exc: Exception, model: type[models.Model]) -> str:
    """What the service said, naming the field at fault when it named one."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    reason = str(exc) or "you are not allowed to do this."
    field = getattr(exc, "field", None)
    return f"{field_label(model, field)}: {reason}" if field else reason


def _too_many(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, objects: Iterable[Any]) -> bool:
    if not isinstance(objects, models.QuerySet) or objects.count() <= MAX_ACTION_OBJECTS:
        return False
    modeladmin.message_user(
        request,
        f"Nothing was changed: choose at most {MAX_ACTION_OBJECTS} "
        f"{modeladmin.model._meta.verbose_name_plural} at a time.",
        messages.ERROR,
    )
    return True


def run_service(
    modeladmin: admin.ModelAdmin[M],
    request: HttpRequest,
    objects: Iterable[M],
    *,
    call: Callable[[M], object],
    fields: Sequence[str],
    done: str,
    note: str = "",
) -> int:
    """Call the service once per object, each in its own transaction, and say what happened.

    A refusal (DomainError, PermissionDenied, ValidationError) rolls back that object only and is
    shown as an error naming the object and the reason; the others still go through. Each success
    is logged in the admin log as ``Field: old → new`` for ``fields`` (read again after the call,
    so the log shows what the service wrote), plus ``note``. Returns how many went through.
    """
    model = modeladmin.model
    actor_id = request.user.pk
    assert actor_id is not None  # the admin site lets only signed-in staff in
    if _too_many(modeladmin, request, objects):
        return 0
    succeeded = 0
    for obj in objects:
        before = {name: field_value(obj, name) for name in fields}
        try:
            with transaction.atomic():
                call(obj)
                after = model._default_manager.get(pk=obj.pk)
                changes = object_changes(before, after)
                if note:
                    changes.append(note)
                LogEntry.objects.log_actions(
                    user_id=actor_id,
                    queryset=[after],
                    action_flag=CHANGE,
                    change_message=[{"changed": {"fields": changes}}],
                    single_object=True,
                )
        except (DomainError, PermissionDenied, ValidationError) as exc:
            modeladmin.message_user(
                request, f"{obj} was not changed: {refusal_reason(exc, model)}", messages.ERROR
            )
        else:
            succeeded += 1
    if succeeded:
        name = model._meta.verbose_name if succeeded == 1 else model._meta.verbose_name_plural
        modeladmin.message_user(request, f"{done} {succeeded} {name}.", messages.SUCCESS)
    return succeeded


def service_action_form(
    modeladmin: admin.ModelAdmin[M],
    request: HttpRequest,
    queryset: models.QuerySet[M],
    *,
    action: str,
    form_class: type[forms.Form],
    title: str,
    submit: str,
    apply: Callable[[Mapping[str, Any]], object],
) -> TemplateResponse | None:
    """An action that asks for input first (the new status, a reason) on an intermediate page.

    The first POST (from the changelist) shows the form for the selected objects; its submission
    (``apply``) is validated, and when valid ``apply(cleaned_data)`` runs and the admin returns to
    the changelist. An invalid form is shown again with the errors beside their fields.
    """
    if _too_many(modeladmin, request, queryset):
        return None
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        apply(form.cleaned_data)
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "objects": list(queryset),
        "form": form,
        "action": action,
        "submit": submit,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "core/admin_action_form.html", context)


class _Refused(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


class ServiceFormAdminMixin:
    """A change form whose save and delete go through services (``service_save``, ``service_delete``).

    A refusal on save shows the form again with the service's message beside the field it names
    (or above the form), and nothing is saved; a refusal on delete returns to the object with an
    error message. The bulk "delete selected" action is withdrawn: each delete goes through the
    service on its own page.
    """

    model: type[models.Model]
    _REFUSAL_ATTR = "_service_refusal"

    def service_save(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        try:
            self.service_save(request, obj, form, change)
        except (DomainError, PermissionDenied, ValidationError) as exc:
            raise _Refused(exc) from exc

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.service_delete(request, obj)
        except (DomainError, PermissionDenied, ValidationError) as exc:
            raise _Refused(exc) from exc

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        refusal: _Refused | None = getattr(request, self._REFUSAL_ATTR, None)
        if refusal is None:
            return form_class
        cause, model = refusal.cause, self.model

        class RefusedForm(form_class):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                field = getattr(cause, "field", None) or ""
                field = field if field in self.fields else field.removesuffix("_id")
                if field in self.fields:
                    self.add_error(
                        field, refusal_reason(cause, model).removeprefix(f"{field_label(model, field)}: ")
                    )
                else:
                    self.add_error(None, refusal_reason(cause, model))
                return cleaned

        return RefusedForm

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except _Refused as refused:
            # The refused save rolled back with the view's transaction; show the same POST again,
            # now failing validation with the service's reason.
            setattr(request, self._REFUSAL_ATTR, refused)
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except _Refused as refused:
            opts = self.model._meta
            obj = self.model._default_manager.filter(pk=object_id).first()
            self.message_user(  # type: ignore[attr-defined]
                request,
                f"{obj} was not deleted: {refusal_reason(refused.cause, self.model)}",
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions
