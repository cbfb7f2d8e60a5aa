"""Drive the Django admin as a browser would: read a change form, post it back with changes, run an
action from the changelist (and through its intermediate form)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model
from django.test import Client
from django.urls import reverse


def admin_url(model: type[Model] | Model, view: str, *args: object) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _field_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value) or []):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def change_form_data(client: Client, obj: Model) -> dict[str, Any]:
    """What the change page of ``obj`` would post unchanged: its form and inline formsets."""
    response = client.get(admin_url(obj, "change", obj.pk))
    assert response.status_code == 200
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def run_action(client: Client, model: type[Model], action: str, objects: Sequence[Model], **form: str) -> Any:
    """Choose ``action`` for ``objects`` on the changelist; with ``form`` values, also submit its
    intermediate form (``apply``). Returns the last response, redirects followed."""
    url = admin_url(model, "changelist")
    selected = [str(obj.pk) for obj in objects]
    response = client.post(url, {"action": action, "index": "0", ACTION_CHECKBOX_NAME: selected}, follow=True)
    if form:
        assert response.status_code == 200
        response = client.post(
            url, {"action": action, ACTION_CHECKBOX_NAME: selected, "apply": "yes", **form}, follow=True
        )
    return response


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]
