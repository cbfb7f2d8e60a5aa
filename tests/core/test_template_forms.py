"""Every POST form in the templates carries its CSRF token.

Forms post through htmx, whose requests take the token from ``hx-headers`` on ``<body>``, but a
form must also work when the browser submits it itself: before htmx has processed a freshly
swapped fragment (a quick second tap on a phone), or without JavaScript. Without the hidden
token such a submit gets Django's "This form has expired" page (CI saw it once on the device
page's "Check in from my vehicle" right after "Put in my vehicle" swapped the form in).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"", re.IGNORECASE)


def _post_forms() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in POST_FORM.finditer(text):
            end = text.find("</form>", match.end())
            body = text[match.start() : end if end != -1 else len(text)]
            line = text.count("\n", 0, match.start()) + 1
            found.append((str(path.relative_to(TEMPLATES)), line, body))
    return found


def test_the_scan_finds_the_post_forms():
    assert len(_post_forms()) > 50


@pytest.mark.parametrize(("template", "line", "body"), _post_forms(), ids=lambda v: str(v)[:60])
def test_every_post_form_has_a_csrf_token(template: str, line: int, body: str):
    assert "{% csrf_token %}" in body, f"{template}:{line}: a POST form without {{% csrf_token %}}"
