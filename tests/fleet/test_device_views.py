"""Device list, CSV export, scan search and device page: who may, what bad input gets, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("fleet:device_list")
SEARCH_URL = reverse("fleet:device_search")
EXPORT_URL = reverse("fleet:device_export")


def _body(response) -> str:  # type: ignore[no-untyped-def]
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("url", [LIST_URL, SEARCH_URL + "?q=CB", EXPORT_URL])
def test_fleet_pages_for_anonymous_redirect_to_login(client: Client, url: str):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [LIST_URL, SEARCH_URL + "?q=CB", EXPORT_URL])
def test_fleet_pages_for_user_without_role_are_forbidden(
    no_role_user: User, login: Callable[[User], Client], url: str
):
    assert login(no_role_user).get(url).status_code == 403


@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "school_admin", "admin_user"])
def test_device_list_for_each_role_renders(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    user = request.getfixturevalue(actor)

    response = login(user).get(LIST_URL)

    assert response.status_code == 200
    assert response["Vary"].count("HX-Request") == 1


def test_device_list_for_school_admin_lists_only_their_school(
    school_admin: User, login: Callable[[User], Client]
):
    DeviceFactory.create(location=school_admin.profile.locations.get(), asset_tag="CB-MINE01")
    DeviceFactory.create(asset_tag="CB-OTHER1")

    html = login(school_admin).get(LIST_URL).content.decode()

    assert "CB-MINE01" in html and "CB-OTHER1" not in html


def test_device_list_row_shows_each_column_as_the_device_has_it(
    technician: User, procurement: User, login: Callable[[User], Client]
):
    """The rows are read as columns (``DeviceListRow``), not model instances: each cell still says
    what the device's own fields say, escaped."""
    device = DeviceFactory.create(
        asset_tag="CB-ROW-1",
        model__name="Chromebook <b>311</b>",
        location__name="Oak & Elm Elementary",
        status=DeviceStatus.IN_REPAIR,
        custodian=technician,
        warranty_end=dt.date(2027, 7, 14),
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id="1234567",
    )
    plain = DeviceFactory.create(asset_tag="CB-ROW-2", warranty_end=None)

    body = login(technician).get(LIST_URL).content.decode()

    row = body[body.index(f'href="/fleet/devices/{device.pk}/"') :].split("</tr>")[0]
    assert (
        ">CB-ROW-1</a>" in row and f'<td data-label="Serial" class="text-nowrap">{device.serial}</td>' in row
    )
    assert "Chromebook &lt;b&gt;311&lt;/b&gt;" in row and "<b>311" not in row
    assert "Oak &amp; Elm Elementary" in row
    assert "status-in_repair" in row and ">In repair</span>" in row
    assert "in Terry Tech's vehicle" in row
    assert ">2027-07-14</td>" in row
    assert '<td data-label="Assigned to">Student 1234567</td>' in row
    other = body[body.index(f'href="/fleet/devices/{plain.pk}/"') :].split("</tr>")[0]
    assert "vehicle" not in other and '<td data-label="Warranty end">—</td>' in other
    assert '<td data-label="Assigned to">—</td>' in other
    assert "1234567" not in login(procurement).get(LIST_URL).content.decode()


def test_device_list_htmx_request_returns_only_the_results_fragment(
    technician: User, login: Callable[[User], Client]
):
    DeviceFactory.create(asset_tag="CB-FRAG01")

    response = login(technician).get(LIST_URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="device-results">')
    assert "CB-FRAG01" in html and "<html" not in html


def test_device_list_query_count_is_fixed_whatever_the_page_size(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(technician)
    DeviceFactory.create_batch(5)
    client.get(LIST_URL)  # warm the session
    # Session, user, roles; the location and model options; a capped count, the page's ids,
    # then its rows with their joins.
    with django_assert_num_queries(9):
        client.get(LIST_URL + "?per_page=25")
    DeviceFactory.create_batch(40, location=LocationFactory.create())
    with django_assert_num_queries(9):
        client.get(LIST_URL + "?per_page=200&ordering=location")


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ("status=deployed", 9),
        ("status=deployed&status=in_repair", 9),
        ("location={location}&status=deployed", 10),  # and the chosen location,
        ("model={model}", 10),
        ("manufacturer={manufacturer}", 10),
        ("device_type=chromebook", 9),
        ("aue_year=2030", 10),  # and the ids of the models whose AUE month falls in that year
        ("warranty=active", 9),
        ("q=CB", 9),
        *((f"ordering={key}", 9) for key in ("location", "-location", "model", "status", "-purchase_date")),
        *((f"ordering={key}", 9) for key in ("serial", "warranty_end", "asset_tag")),
    ],
)
def test_device_list_each_filter_and_sort_has_a_pinned_query_count(
    technician: User,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    query: str,
    queries: int,
):
    client = login(technician)
    devices = DeviceFactory.create_batch(30, status=DeviceStatus.DEPLOYED)
    device = devices[0]
    url = (
        LIST_URL
        + "?"
        + query.format(
            location=device.location_id, model=device.model_id, manufacturer=device.manufacturer_id
        )
    )
    client.get(url)  # warm the session
    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
    assert response.context["page"].object_list, "the filter should match the devices made here"


def test_device_list_status_filter_selects_without_distinct(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    DeviceFactory.create_batch(3, status=DeviceStatus.DEPLOYED)
    DeviceFactory.create(status=DeviceStatus.IN_STOCK)
    client = login(technician)

    with django_assert_num_queries(9) as captured:
        response = client.get(LIST_URL + "?status=deployed&status=in_repair")

    assert not [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
    assert response.context["page"].paginator.count == 3


def test_device_list_aue_year_matches_device_date_before_model_month(
    technician: User, login: Callable[[User], Client]
):
    own_date = DeviceFactory.create(asset_tag="CB-OWN", aue_override=dt.date(2029, 6, 1))
    by_model = DeviceFactory.create(asset_tag="CB-MODEL", model__aue_month=dt.date(2029, 6, 1))
    DeviceFactory.create(
        asset_tag="CB-OVERRIDDEN", model__aue_month=dt.date(2029, 6, 1), aue_override=dt.date(2031, 6, 1)
    )

    response = login(technician).get(LIST_URL + "?aue_year=2029")

    shown = {device.asset_tag for device in response.context["page"].object_list}
    assert shown == {own_date.asset_tag, by_model.asset_tag}


def test_device_list_with_bad_filter_shows_the_error_and_no_rows(
    technician: User, login: Callable[[User], Client]
):
    DeviceFactory.create(asset_tag="CB-HIDDEN")

    response = login(technician).get(LIST_URL + "?status=melted&per_page=oops")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "CB-HIDDEN" not in html


def test_device_export_streams_the_filtered_list_with_assignees_for_technicians(
    technician: User, login: Callable[[User], Client]
):
    DeviceFactory.create(
        asset_tag="CB-EXP001",
        status=DeviceStatus.IN_REPAIR,
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id="1234567",
    )
    DeviceFactory.create(asset_tag="CB-EXP002")

    response = login(technician).get(EXPORT_URL + "?status=in_repair")

    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [r["asset_tag"] for r in rows] == ["CB-EXP001"]
    assert rows[0]["assignee_id"] == "1234567"


def test_device_export_for_procurement_leaves_out_who_holds_devices(
    procurement: User, login: Callable[[User], Client]
):
    DeviceFactory.create(assignee_kind=AssigneeKind.STUDENT, assignee_id="1234567")

    body = _body(login(procurement).get(EXPORT_URL))

    assert "assignee_id" not in body.splitlines()[0] and "1234567" not in body


def test_device_search_exact_scan_redirects_to_the_device(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create(asset_tag="CB-0104512")

    response = login(technician).get(SEARCH_URL, {"q": "cb-0104512", "exact": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("fleet:device_detail", args=[device.pk])


def test_device_search_exact_scan_over_htmx_uses_a_client_redirect(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create(asset_tag="CB-0104512")

    response = login(technician).get(
        SEARCH_URL, {"q": "CB-0104512", "exact": "1"}, headers={"HX-Request": "true"}
    )

    assert response["HX-Redirect"] == reverse("fleet:device_detail", args=[device.pk])


def test_device_search_unknown_scan_says_so(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(SEARCH_URL, {"q": "NOPE-123", "exact": "1"})

    assert response.status_code == 200
    assert "No single device" in response.content.decode()


def test_device_search_prefix_over_htmx_returns_matches_fragment_in_a_fixed_number_of_queries(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    DeviceFactory.create_batch(12)
    client = login(technician)
    client.get(LIST_URL)

    # Session, user, roles (twice: permission and navigation), the one search query.
    with django_assert_num_queries(4):
        response = client.get(SEARCH_URL, {"q": "CB-"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert html.count('class="match"') == 10


def test_device_detail_shows_model_aue_warranty_custody_and_tickets(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create(asset_tag="CB-DETAIL1")
    TicketFactory.create(device=device)
    CustodyEvent.objects.create(
        device=device,
        kind=CustodyEventKind.DEPLOYED,
        occurred_at="2025-08-20T12:00Z",
        to_location=device.location,
    )

    html = login(technician).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()

    assert device.model.name in html and "Auto Update Expiration" in html and "June 2030" in html
    assert 'id="custody-timeline"' in html and "Deployed" in html
    assert "No tickets." not in html


def test_device_detail_of_another_school_for_school_admin_is_404(
    school_admin: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create()

    assert login(school_admin).get(reverse("fleet:device_detail", args=[device.pk])).status_code == 404


def test_device_detail_for_procurement_hides_the_assignee(procurement: User, login: Callable[[User], Client]):
    device = DeviceFactory.create(assignee_kind=AssigneeKind.STUDENT, assignee_id="7654321")

    html = login(procurement).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()

    assert "7654321" not in html and "Change status" not in html


def test_device_change_status_post_moves_and_records(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create()
    url = reverse("fleet:device_change_status", args=[device.pk])

    response = login(technician).post(
        url, {"to_status": "in_repair", "reason": "cracked", "version": device.version}
    )

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_REPAIR
    assert CustodyEvent.objects.get(device=device).reason == "cracked"


def test_device_change_status_impossible_move_rerenders_the_form_with_the_reason(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create(status=DeviceStatus.E_WASTE)
    url = reverse("fleet:device_change_status", args=[device.pk])

    response = login(technician).post(
        url, {"to_status": "deployed", "version": device.version}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="status-form"') and "cannot become deployed" in html
    assert not CustodyEvent.objects.exists()


def test_device_change_status_with_stale_version_is_409(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create()
    url = reverse("fleet:device_change_status", args=[device.pk])

    response = login(technician).post(url, {"to_status": "in_repair", "version": device.version - 1})

    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()


@pytest.mark.parametrize("actor", ["procurement", "no_role_user"])
def test_device_change_status_by_role_without_permission_is_refused(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    device = DeviceFactory.create()
    user = request.getfixturevalue(actor)

    response = login(user).post(
        reverse("fleet:device_change_status", args=[device.pk]), {"to_status": "in_repair", "version": 1}
    )

    assert response.status_code in (403, 404)
    device.refresh_from_db()
    assert device.status == DeviceStatus.DEPLOYED


def test_device_change_status_rejects_get(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create()

    assert login(technician).get(reverse("fleet:device_change_status", args=[device.pk])).status_code == 405


def test_device_vehicle_check_out_then_in_at_depot_records_both_events(
    technician: User, login: Callable[[User], Client]
):
    depot = LocationFactory.create(kind="depot", name="Central Repair Depot")
    device = DeviceFactory.create()
    client = login(technician)

    out = client.post(reverse("fleet:device_vehicle_check_out", args=[device.pk]), {"reason": "screen"})
    back = client.post(reverse("fleet:device_vehicle_check_in", args=[device.pk]), {"to_location": depot.pk})

    assert out.status_code == back.status_code == 302
    device.refresh_from_db()
    assert (device.location, device.custodian) == (depot, None)
    kinds = list(CustodyEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True))
    assert kinds == [CustodyEventKind.VEHICLE_CHECK_OUT, CustodyEventKind.OVERNIGHT_STORAGE]


def test_device_vehicle_check_in_without_location_rerenders_the_custody_fragment(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create(custodian=technician)

    response = login(technician).post(
        reverse("fleet:device_vehicle_check_in", args=[device.pk]),
        {"to_location": ""},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="custody-actions"') and "Choose where" in html
    device.refresh_from_db()
    assert device.custodian == technician


def test_device_vehicle_check_out_of_a_lost_device_shows_why(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create(status=DeviceStatus.LOST_STOLEN)

    response = login(technician).post(reverse("fleet:device_vehicle_check_out", args=[device.pk]))

    assert "is lost or stolen" in response.content.decode()
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize("name", ["fleet:device_vehicle_check_out", "fleet:device_vehicle_check_in"])
def test_device_vehicle_actions_for_procurement_are_forbidden(
    procurement: User, login: Callable[[User], Client], name: str
):
    device = DeviceFactory.create()

    assert login(procurement).post(reverse(name, args=[device.pk])).status_code == 403
