"""``{% path 'app:view' pk %}``: ``{% url %}`` for a view that takes one id, at a list's pace.

A builtin (no ``{% load %}``). ``{% url %}`` costs about 65 µs (``reverse``: namespaces, the
route's candidates, its regular expression, quoting): 3.3 ms for the 50 links of a device list,
more than the rest of its rows. A route taking one integer is the same text around the number
every time, so the text is worked out once per route and script prefix (by ``reverse`` itself,
with two probe ids that must agree) and the id is put between. Anything else (an argument that is
not a non-negative ``int``, a route whose converter writes numbers its own way) goes to
``reverse`` as ``{% url %}`` would: the output is always ``reverse``'s (``tests/core/test_links.py``).

``{% querystring_each 'location' line.location_id from_year=… %}`` is ``{% querystring %}`` for a
table whose every row links to the same page with one parameter changed (about 60 µs a row by
``{% querystring %}``, 13 ms for the AUE plan's 210 schools): the query string around that
parameter is built once per render, each row's value put in its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from django import template
from django.template.defaulttags import querystring
from django.urls import NoReverseMatch, get_script_prefix, reverse

register = template.Library()

_PROBE = 987654321987654321
_CHECK = 7


@lru_cache(maxsize=2048)
def _around(viewname: str, prefix: str) -> tuple[str, str] | None:
    """The route's text before and after its one integer, or None when it is not such a route."""
    try:
        url = reverse(viewname, args=[_PROBE])
        check = reverse(viewname, args=[_CHECK])
    except NoReverseMatch:
        return None
    head, found, tail = url.partition(str(_PROBE))
    if not found or str(_PROBE) in tail or f"{head}{_CHECK}{tail}" != check:
        return None
    return head, tail


@register.simple_tag
def path(viewname: str, arg: object) -> str:
    """``reverse(viewname, args=[arg])``, without its cost when ``arg`` is an id."""
    if type(arg) is int and arg >= 0:
        around = _around(viewname, get_script_prefix())
        if around is not None:
            return f"{around[0]}{arg}{around[1]}"
    return reverse(viewname, args=[arg])


_SLOT = "querystring-each-slot"
_EACH = "querystring_each"


@register.simple_tag(takes_context=True)
def querystring_each(context: template.Context, key: str, value: object, **kwargs: Any) -> str:
    """``{% querystring key=value **kwargs %}``, the text around ``value`` built once per render."""
    if value is None or (isinstance(value, Iterable) and not isinstance(value, str)):
        return querystring(context, None, **kwargs, **{key: value})
    try:
        memo_key = (key, tuple(kwargs.items()))
        hash(memo_key)
    except TypeError:
        return querystring(context, None, **kwargs, **{key: value})
    memo = context.render_context.get(_EACH)
    if memo is None:
        memo = context.render_context[_EACH] = {}
    around = memo.get(memo_key)
    if around is None:
        head, _, tail = querystring(context, None, **kwargs, **{key: _SLOT}).partition(_SLOT)
        around = memo[memo_key] = (head, tail)
    return f"{around[0]}{quote_plus(str(value))}{around[1]}"
