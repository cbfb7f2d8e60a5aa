"""Nothing is offered that will be refused: every menu link, and every link of every page's
sub-navigation, opens (200) for each demo login that is shown it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from portal.selectors import navigation_for

pytestmark = pytest.mark.django_db

DEMO_LOGINS = ["tech.intern", "tech.itss1", "tech.itss3", "supervisor", "procurement", "schooladmin", "admin"]
# Any <nav> inside the page's main content (tabs, section links) and anything marked "subnav".
SUBNAV = re.compile(
    r'<(nav|p|div|ul)\b[^>]*(?:class="[^"]*\bsubnav\b[^"]*"|aria-label="[^"]*")[^>]*>(.*?)</\1>', re.S
)
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture
def demo_district(db: None) -> None:
    """The tiny demo district (about 3 s), inside the test's transaction so nothing outlives it."""
    call_command("seed_demo", size="tiny", seed=1, reset=True, stdout=io.StringIO())


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_menu_and_subnav_link_opens_for_the_role_shown_it(demo_district: None, username: str):
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    refused: list[str] = []
    checked: set[str] = set()
    menu = [item.url for item in navigation_for(user=user)]
    assert menu, username
    for url in menu:
        response = client.get(url)
        checked.add(url)
        if response.status_code != 200:
            refused.append(f"menu {url}: {response.status_code}")
            continue
        if url.startswith("/admin/") or url.startswith("/api/"):
            continue
        html = response.content.decode()
        main = html.split("<main", 1)[-1]
        for _tag, block in SUBNAV.findall(main):
            for href in HREF.findall(block):
                href = href.replace("&amp;", "&")
                if href in checked:
                    continue
                checked.add(href)
                status = client.get(href).status_code
                if status != 200:
                    refused.append(f"sub-navigation of {url} -> {href}: {status}")
    assert not refused, f"{username} is offered links that do not open:\n" + "\n".join(refused)
