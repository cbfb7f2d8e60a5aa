"""Location pickers of the scan, audit and refresh-plan screens (``{% load fleet_controls %}``).

Check-in, collection and audits each offer every active location the user sees, and the refresh
plan every school: about 210 at district scale. As a template loop over model instances the
options took 5-6 ms of each page; built here from rows of id, name and kind, well under one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from fleet.choices import LocationKind
from fleet.models import Location

register = template.Library()

DEPOT_NOTE = " (depot: secure overnight storage)"


@register.simple_tag
def location_options(
    locations: QuerySet[Location] | Iterable[Location], selected: object = None, depot_note: bool = False
) -> SafeString:
    """An ``<option>`` per location, in their order; the one whose id is ``selected`` (an id or
    its text) is selected. With ``depot_note`` a depot says it is secure overnight storage.
    ``locations`` is a queryset (read here as rows of id, name and kind) or locations already read.
    """
    chosen = "" if selected is None else str(selected)
    rows: Iterable[tuple[int, str, str]] = (
        locations.values_list("pk", "name", "kind")
        if isinstance(locations, QuerySet)
        else ((location.pk, location.name, location.kind) for location in locations)
    )
    html = []
    for pk, name, kind in rows:
        mark = " selected" if str(pk) == chosen else ""
        note = DEPOT_NOTE if depot_note and kind == LocationKind.DEPOT else ""
        html.append(f'<option value="{pk}"{mark}>{escape(name)}{note}</option>')
    return mark_safe("".join(html))  # the names are escaped; ids are integers
