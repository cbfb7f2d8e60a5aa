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


QUERIES = [
    "",
    "from_year=2026",
    "location=9&from_year=2020&to_year=2021",
    "q=a+b%26c&q=d",
    "x=%E2%9C%93&page=3",
]
VALUES = [5, 0, "Ridge & Vale", "a b", ["1", "2"], None, "✓"]


@pytest.mark.parametrize("query", QUERIES)
def test_querystring_each_renders_what_querystring_renders(rf, query):
    """In a loop, as once: the same text, escaped the same way, for every kind of value."""
    django = engines["django"]
    each = django.from_string(
        "{% for v in values %}[{% querystring_each 'location' v from_year=2026 to_year=y %}]{% endfor %}"
    )
    plain = django.from_string(
        "{% for v in values %}[{% querystring from_year=2026 to_year=y location=v %}]{% endfor %}"
    )
    request = rf.get(f"/fleet/reports/aue-plan/?{query}")
    for y in (2030, None):
        context = {"values": VALUES, "y": y}
        assert each.render(context, request) == plain.render(context, request)


def test_querystring_each_builds_the_query_once_per_render(rf, monkeypatch):
    calls = []
    original = links.querystring

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(links, "querystring", counted)
    template = engines["django"].from_string(
        "{% for v in values %}{% querystring_each 'location' v from_year=2026 %} {% endfor %}"
    )
    html = template.render({"values": list(range(200))}, rf.get("/?page=2"))
    assert html.split()[:2] == [
        "?page=2&amp;from_year=2026&amp;location=0",
        "?page=2&amp;from_year=2026&amp;location=1",
    ]
    assert len(calls) == 1
