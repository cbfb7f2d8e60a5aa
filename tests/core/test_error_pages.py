"""Error pages use the layout and say what to do; htmx answers carry their messages."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.failure_views")]


def test_404_page_has_the_layout_menu_and_says_what_to_do(technician: User, login: Callable[[User], Client]):
    response = login(technician).get("/failure/missing/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="skip-link' in html and 'aria-label="Main"' in html
    assert "Nothing here" in html and "start again from the home page" in html


def test_403_page_has_the_layout_and_says_whom_to_ask(technician: User, login: Callable[[User], Client]):
    response = login(technician).get("/failure/forbidden/")

    assert response.status_code == 403
    html = response.content.decode()
    assert 'aria-label="Main"' in html
    assert "You may not open this page" in html and "ask your supervisor or an administrator" in html


def test_500_page_has_the_layout_and_says_nothing_was_saved(technician: User):
    client = Client(raise_request_exception=False)
    client.force_login(technician)

    response = client.get("/failure/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="skip-link' in html and "bootstrap.min.css" in html
    assert "nothing was saved" in html


def test_csrf_failure_page_has_the_layout_and_says_to_reload():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html and "Reload the page" in html
    assert "bootstrap.min.css" in html


def test_htmx_success_carries_its_message_in_hx_trigger(technician: User, login: Callable[[User], Client]):
    client = login(technician)

    response = client.post("/failure/saved/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {
        "messages": [{"level": "success", "text": "Part issued: Keyboard, 1 unit."}]
    }
    # Handed over once: the next full page does not repeat it.
    assert "Part issued" not in client.get("/").content.decode()


def test_plain_request_keeps_its_message_for_the_next_page(technician: User, login: Callable[[User], Client]):
    client = login(technician)

    response = client.post("/failure/saved/")

    assert "HX-Trigger" not in response
    assert "Part issued: Keyboard, 1 unit." in client.get("/").content.decode()
