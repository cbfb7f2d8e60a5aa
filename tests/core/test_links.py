"""``{% path %}`` must give exactly what ``{% url %}`` (``reverse``) gives, for every view the
templates link to with it, and fall back to ``reverse`` for what it does not splice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import NoReverseMatch, path, reverse, set_script_prefix
from django.urls.converters import IntConverter, register_converter

from core.templatetags import links

TEMPLATES = Path(settings.BASE_DIR) / "templates"
USED = sorted(
    {
        name
        for file in TEMPLATES.rglob("*.html")
        for name in re.findall(r"\{% path '([a-z_:]+)' ", file.read_text())
    }
)


def test_the_templates_use_it_for_many_views():
    assert len(USED) > 50


@pytest.mark.parametrize("viewname", USED)
def test_every_linked_view_gives_what_reverse_gives(viewname):
    for pk in (0, 1, 7, 42, 12345, 10**12):
        assert links.path(viewname, pk) == reverse(viewname, args=[pk])


def test_the_tag_renders_like_the_url_tag():
    django = engines["django"]
    context = {"device": {"pk": 12345}}
    spliced = django.from_string("{% path 'fleet:device_detail' device.pk %}").render(context)

    assert spliced == django.from_string("{% url 'fleet:device_detail' device.pk %}").render(context)
    assert spliced == "/fleet/devices/12345/"


def test_what_it_cannot_splice_goes_to_reverse(monkeypatch):
    assert links.path("fleet:device_detail", "12") == "/fleet/devices/12/"  # not an int
    for refused in (True, -1):  # the route takes digits only, as reverse says
        with pytest.raises(NoReverseMatch):
            links.path("fleet:device_detail", refused)
    with pytest.raises(NoReverseMatch):
        links.path("fleet:no_such_view", 1)


def test_a_script_prefix_is_kept_apart():
    set_script_prefix("/district/")
    try:
        assert (
            links.path("fleet:device_detail", 3)
            == "/district/fleet/devices/3/"
            == reverse("fleet:device_detail", args=[3])
        )
    finally:
        set_script_prefix("/")
    assert links.path("fleet:device_detail", 3) == "/fleet/devices/3/"


class PaddedConverter(IntConverter):
    def to_url(self, value: str | int) -> str:
        return f"{int(value):06d}"


register_converter(PaddedConverter, "padded")


def _order(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse()


urlpatterns = [path("orders/<padded:pk>/", _order, name="padded")]


@pytest.mark.urls(__name__)
def test_a_converter_that_writes_numbers_its_own_way_goes_to_reverse():
    links._around.cache_clear()
    try:
        assert links._around("padded", "/") is None
        assert links.path("padded", 42) == "/orders/000042/"
    finally:
        links._around.cache_clear()
