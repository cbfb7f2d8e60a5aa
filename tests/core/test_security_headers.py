"""The Content-Security-Policy is enforced on pages and API answers, and the pages need nothing it refuses.

The browser side (no page logs a violation) is tests/e2e/test_content_security_policy_journey.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# What a template may not hold: each needs 'unsafe-inline' or 'unsafe-eval' to run.
INLINE_PATTERNS = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on* handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\shx-on\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    'hx-vals/hx-vars "js:"': re.compile(r"hx-va(?:ls|rs)\s*=\s*['\"]\s*js:", re.IGNORECASE),
    "hx-vars (always eval)": re.compile(r"\shx-vars\s*=", re.IGNORECASE),
    "hx-trigger filter [...]": re.compile(r"hx-trigger\s*=\s*\"[a-z:.-]+\[", re.IGNORECASE),
}


def policy_of(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy-Report-Only" not in response, "the policy must be enforced"
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_page_enforces_the_policy_with_no_inline_or_eval(client: Client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    directives = policy_of(response)
    assert directives == EXPECTED_DIRECTIVES
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_api_response_enforces_the_same_policy(api_client: APIClient, technician: User):
    api_client.force_login(technician)

    response = api_client.get("/api/me/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert policy_of(response) == EXPECTED_DIRECTIVES


def test_refused_api_response_enforces_the_policy_too(api_client: APIClient):
    response = api_client.get("/api/me/")

    assert response.status_code in (401, 403)
    assert policy_of(response) == EXPECTED_DIRECTIVES


def test_pages_run_htmx_without_eval_or_injected_styles(client: Client):
    html = client.get(reverse("accounts:login")).content.decode()

    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta, "base.html sets no htmx-config"
    assert json.loads(meta.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
    assert re.search(r'<script src="/static/js/app\.js" defer></script>', html)
    # The indicator style htmx no longer injects comes from the site's stylesheet.
    assert ".htmx-request .htmx-indicator" in (ROOT / "static/css/app.css").read_text()


def test_api_docs_page_loads_its_start_script_from_a_url(client: Client, technician: User):
    client.force_login(technician)
    docs_url = reverse("api:docs")

    page = client.get(docs_url)
    html = page.content.decode()

    assert page.status_code == 200
    assert policy_of(page) == EXPECTED_DIRECTIVES
    for name in ("inline <script>", "<style> element", "style attribute", "on* handler attribute"):
        assert not INLINE_PATTERNS[name].search(html), f"the API docs page has an {name}"
    script_urls = re.findall(r'<script src="([^"]+)"', html)
    assert f"{docs_url}?script=" in script_urls
    script = client.get(f"{docs_url}?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()


def template_files() -> list[Path]:
    return sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")])


def test_templates_need_no_inline_script_style_handler_or_eval():
    files = template_files()
    assert len(files) > 40, "templates not found"
    found = []
    for path in files:
        text = path.read_text()
        # {# … #} notes describe markup; they are not rendered.
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
        for name, pattern in INLINE_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not found, "the Content-Security-Policy would refuse:\n" + "\n".join(found)


POLICY_UNDER_ENV = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]))
"""


@pytest.mark.parametrize(
    ("google_env", "form_action"),
    [
        ({}, ["'self'"]),
        (
            {"GOOGLE_OAUTH_CLIENT_ID": "id.apps.googleusercontent.com", "GOOGLE_OAUTH_CLIENT_SECRET": "s"},
            ["'self'", "https://accounts.google.com"],
        ),
    ],
)
def test_form_action_admits_google_only_when_google_sign_in_is_on(
    google_env: dict[str, str], form_action: list[str]
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOOGLE_OAUTH_")}
    result = subprocess.run(
        [sys.executable, "-c", POLICY_UNDER_ENV],
        cwd=ROOT,
        env=env | google_env | {"DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout.splitlines()[-1])
    assert directives["form-action"] == form_action
    assert directives["script-src"] == directives["style-src"] == ["'self'"]


def test_api_opened_in_a_browser_answers_json_not_a_page_with_inline_style(client: Client, technician: User):
    client.force_login(technician)

    response = client.get("/api/me/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
