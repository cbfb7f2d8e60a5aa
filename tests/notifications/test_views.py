"""The reminders page: who sees which kinds, saving (whole page and htmx), bad input, and the
administrators' log of sent reminders."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.exceptions import DomainError
from notifications.choices import Cadence, NotificationKind
from notifications.models import NotificationPreference
from notifications.services import preferences
from tests.notifications.factories import DeliveryFactory, NotificationPreferenceFactory

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preference_edit")
SENT_URL = reverse("notifications:delivery_list")
Login = Callable[[User], Client]


def _choices(user: User) -> dict[str, str]:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "cadence"))


def test_preference_edit_anonymous_is_sent_to_sign_in(client: Client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("actor", "offered"),
    [
        ("technician", [NotificationKind.LOAN_OVERDUE, NotificationKind.COLLECTION_OVERDUE]),
        ("supervisor", [NotificationKind.LOAN_OVERDUE, NotificationKind.OVERTIME_PENDING]),
        ("procurement", [NotificationKind.STOCK_LOW]),
        ("school_admin", [NotificationKind.COLLECTION_OVERDUE]),
        ("admin_user", [NotificationKind.LOAN_OVERDUE]),
    ],
)
def test_preference_edit_offers_only_the_kinds_of_the_users_roles(
    actor: str, offered: list[NotificationKind], login: Login, request: pytest.FixtureRequest
):
    response = login(request.getfixturevalue(actor)).get(URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == offered
    for kind in NotificationKind:
        assert (kind.label in response.content.decode()) == (kind in offered)


def test_preference_edit_shows_the_current_choice_or_the_default(procurement: User, login: Login):
    NotificationPreferenceFactory.create(
        user=procurement, kind=NotificationKind.STOCK_LOW, cadence=Cadence.OFF
    )

    response = login(procurement).get(URL)

    assert response.context["form"].initial == {NotificationKind.STOCK_LOW: Cadence.OFF}
    assert re.search(r'<input[^>]*value="off"[^>]*checked', response.content.decode())


def test_preference_edit_for_a_role_no_reminder_concerns_says_so(no_role_user: User, login: Login):
    response = login(no_role_user).get(URL)

    assert response.status_code == 200
    assert "No reminders concern your roles." in response.content.decode()


def test_preference_edit_post_saves_the_choices(technician: User, login: Login):
    response = login(technician).post(URL, {"loan_overdue": "off", "collection_overdue": "weekly"})

    assert response.status_code == 200
    assert _choices(technician) == {"loan_overdue": "off", "collection_overdue": "weekly"}
    assert "Your reminder choices are saved." in response.content.decode()


def test_preference_edit_htmx_post_answers_the_form_fragment_only(technician: User, login: Login):
    response = login(technician).post(
        URL, {"loan_overdue": "weekly", "collection_overdue": "immediate"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card mb-3" id="preference-form"')
    assert "<html" not in body and "Last reminders to you" not in body
    assert "HX-Request" in response["Vary"]
    assert _choices(technician) == {"loan_overdue": "weekly", "collection_overdue": "immediate"}


def test_preference_edit_bad_choice_names_the_field_and_saves_nothing(technician: User, login: Login):
    response = login(technician).post(
        URL, {"loan_overdue": "loudly", "collection_overdue": "weekly"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    error = re.search(r'<div class="invalid-feedback d-block" id="(\w+)-error">([^<]*)</div>', body)
    assert error is not None
    assert error.groups() == (
        "loan_overdue",
        "Select a valid choice. loudly is not one of the available choices.",
    )
    assert body.count("invalid-feedback") == 1
    assert _choices(technician) == {}


def test_preference_edit_missing_choice_names_the_field(technician: User, login: Login):
    response = login(technician).post(URL, {"loan_overdue": "off"})

    assert response.context["form"].errors == {"collection_overdue": ["This field is required."]}
    assert _choices(technician) == {}


def test_preference_edit_ignores_a_kind_that_does_not_concern_the_role(technician: User, login: Login):
    login(technician).post(
        URL, {"loan_overdue": "off", "collection_overdue": "off", "stock_low": "immediate"}
    )

    assert _choices(technician) == {"loan_overdue": "off", "collection_overdue": "off"}


def test_preference_edit_query_count_does_not_grow_with_reminders_sent(
    technician: User, login: Login, django_assert_num_queries
):
    client = login(technician)
    DeliveryFactory.create(user=technician)
    client.get(URL)  # warm the session
    with django_assert_num_queries(5):
        client.get(URL)
    DeliveryFactory.create_batch(12, user=technician)
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.context["recent"]) == 10


def test_preferences_update_refuses_a_kind_outside_the_role_naming_it(procurement: User):
    with pytest.raises(DomainError) as refused:
        preferences.preferences_update(
            user=procurement,
            changed_by=procurement,
            cadences={NotificationKind.STOCK_LOW: Cadence.OFF, NotificationKind.LOAN_OVERDUE: Cadence.OFF},
        )

    assert refused.value.field == NotificationKind.LOAN_OVERDUE
    assert _choices(procurement) == {}


def test_preferences_update_refuses_an_unknown_cadence(procurement: User):
    with pytest.raises(DomainError) as refused:
        preferences.preferences_update(
            user=procurement, changed_by=procurement, cadences={NotificationKind.STOCK_LOW: "hourly"}
        )

    assert refused.value.field == NotificationKind.STOCK_LOW


def test_preferences_update_of_someone_else_is_denied(procurement: User, admin_user: User):
    with pytest.raises(PermissionDenied):
        preferences.preferences_update(
            user=procurement, changed_by=admin_user, cadences={NotificationKind.STOCK_LOW: Cadence.OFF}
        )


# The log of sent reminders ---------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "school_admin", "no_role_user"])
def test_delivery_list_is_denied_to_all_but_administrators(actor: str, login: Login, request):
    response = login(request.getfixturevalue(actor)).get(SENT_URL)

    assert response.status_code == 403


def test_delivery_list_shows_the_newest_reminders_in_pinned_queries(
    admin_user: User, login: Login, django_assert_num_queries
):
    client = login(admin_user)
    DeliveryFactory.create(subject="Loaner CB-1 is overdue")
    client.get(SENT_URL)
    with django_assert_num_queries(4):
        client.get(SENT_URL)
    DeliveryFactory.create_batch(20)
    with django_assert_num_queries(4):
        response = client.get(SENT_URL)

    assert response.status_code == 200
    assert "Loaner CB-1 is overdue" in response.content.decode()
    assert len(response.context["deliveries"]) == 21


def test_preference_edit_links_administrators_to_the_log(admin_user: User, technician: User, login: Login):
    assert SENT_URL in login(admin_user).get(URL).content.decode()
    assert SENT_URL not in login(technician).get(URL).content.decode()
