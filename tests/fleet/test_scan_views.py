"""Scan screens over HTTP: who may, the htmx fragments a scan returns, batches, audits, query counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import AuditScanOutcome, CustodyEventKind, DeviceStatus, LocationKind
from fleet.models import CustodyEvent, Device, Location, LocationAudit
from fleet.services import devices as services
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}

GET_PAGES = [
    reverse("fleet:scan_vehicle"),
    reverse("fleet:scan_check_in"),
    reverse("fleet:scan_collection"),
    reverse("fleet:location_audit_list"),
]
POST_ENDPOINTS = [
    reverse("fleet:scan_vehicle_add"),
    reverse("fleet:vehicle_check_out"),
    reverse("fleet:scan_check_in_add"),
    reverse("fleet:vehicle_check_in"),
    reverse("fleet:scan_collection_add"),
    reverse("fleet:location_audit_start"),
]


@pytest.fixture
def depot() -> Location:
    return LocationFactory.create(kind=LocationKind.DEPOT, name="Central Depot", code="DEPOT")


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", GET_PAGES)
def test_scan_pages_for_anonymous_redirect_to_login(client: Client, url: str):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", POST_ENDPOINTS)
def test_scan_posts_for_anonymous_redirect_to_login(client: Client, url: str):
    response = client.post(url, {"code": "CB-1"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize("actor", ["school_admin", "procurement", "no_role_user"])
@pytest.mark.parametrize("url", GET_PAGES)
def test_scan_pages_for_roles_that_may_not_change_devices_are_forbidden(
    actor: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    assert login(request.getfixturevalue(actor)).get(url).status_code == 403


@pytest.mark.parametrize("actor", ["school_admin", "procurement"])
@pytest.mark.parametrize("url", POST_ENDPOINTS)
def test_scan_posts_for_roles_that_may_not_change_devices_are_forbidden(
    actor: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client], depot: Location
):
    device = DeviceFactory.create()

    response = login(request.getfixturevalue(actor)).post(
        url, {"code": device.asset_tag, "device_id": [device.pk], "location": depot.pk}, headers=HTMX
    )

    assert response.status_code == 403
    assert not CustodyEvent.objects.exists()
    assert not LocationAudit.objects.exists()


@pytest.mark.parametrize("actor", ["technician", "supervisor", "admin_user"])
@pytest.mark.parametrize("url", GET_PAGES)
def test_scan_pages_for_device_workers_render(
    actor: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client], depot: Location
):
    response = login(request.getfixturevalue(actor)).get(url)

    assert response.status_code == 200
    assert "<html" in _html(response)


# Scan to vehicle ------------------------------------------------------------------------------


def test_scan_vehicle_add_returns_the_row_and_the_running_count_only(
    technician: User, login: Callable[[User], Client]
):
    first, second = DeviceFactory.create(asset_tag="CB-000001"), DeviceFactory.create(asset_tag="CB-000002")

    response = login(technician).post(
        reverse("fleet:scan_vehicle_add"), {"code": " cb-000002 ", "device_id": [first.pk]}, headers=HTMX
    )

    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<li class="scan-row"')
    assert f'name="device_id" value="{second.pk}"' in html
    assert '<strong id="scan-count" hx-swap-oob="true">2</strong>' in html
    assert second.custodian is None  # nothing is written until the batch is checked out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "No single device has the asset tag or serial"),
        ("twice", "already in the list"),
        ("lost", "lost or stolen"),
        ("mine", "already in your vehicle"),
    ],
)
def test_scan_vehicle_add_refusals_show_an_error_row_and_keep_the_count(
    technician: User, login: Callable[[User], Client], setup: str, message: str
):
    listed = DeviceFactory.create()
    device = {
        "unknown": None,
        "twice": listed,
        "lost": DeviceFactory.create(status=DeviceStatus.LOST_STOLEN),
        "mine": DeviceFactory.create(custodian=technician),
    }[setup]
    code = device.asset_tag if device else "NO-SUCH-TAG"

    response = login(technician).post(
        reverse("fleet:scan_vehicle_add"), {"code": code, "device_id": [listed.pk]}, headers=HTMX
    )

    html = _html(response)
    assert response.status_code == 200
    assert 'class="scan-row scan-error"' in html
    assert message in html
    assert 'name="device_id"' not in html
    assert '<strong id="scan-count" hx-swap-oob="true">1</strong>' in html


def test_vehicle_check_out_checks_out_the_batch_and_empties_the_list(
    technician: User, login: Callable[[User], Client]
):
    devices = DeviceFactory.create_batch(2)

    response = login(technician).post(
        reverse("fleet:vehicle_check_out"), {"device_id": [d.pk for d in devices]}, headers=HTMX
    )

    html = _html(response)
    assert html.lstrip().startswith('<form id="vehicle-batch"')
    assert "Checked out 2 devices to your vehicle." in html
    assert '<strong id="scan-count">0</strong>' in html
    assert set(Device.objects.filter(custodian=technician)) == set(devices)
    assert CustodyEvent.objects.filter(kind=CustodyEventKind.VEHICLE_CHECK_OUT).count() == 2


def test_vehicle_check_out_with_one_refused_device_checks_out_none_and_keeps_the_list(
    technician: User, login: Callable[[User], Client]
):
    good = DeviceFactory.create()
    lost = DeviceFactory.create(status=DeviceStatus.LOST_STOLEN, asset_tag="CB-LOST")

    response = login(technician).post(
        reverse("fleet:vehicle_check_out"), {"device_id": [good.pk, lost.pk]}, headers=HTMX
    )

    html = _html(response)
    assert "Nothing was checked out: CB-LOST is lost or stolen." in html
    assert f'value="{good.pk}"' in html and f'value="{lost.pk}"' in html
    assert not Device.objects.filter(custodian=technician).exists()
    assert not CustodyEvent.objects.exists()


def test_vehicle_check_out_without_htmx_redirects_to_check_in(
    technician: User, login: Callable[[User], Client]
):
    device = DeviceFactory.create()

    response = login(technician).post(reverse("fleet:vehicle_check_out"), {"device_id": [device.pk]})

    assert response.status_code == 302
    assert response["Location"] == reverse("fleet:scan_check_in")


def test_vehicle_check_out_of_an_empty_batch_shows_the_error(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).post(reverse("fleet:vehicle_check_out"), {}, headers=HTMX)

    assert "Scan at least one device." in _html(response)


# Check in at a location -----------------------------------------------------------------------


def test_scan_check_in_preselects_the_depot_and_lists_the_vehicle(
    technician: User, login: Callable[[User], Client], depot: Location
):
    LocationFactory.create(name="Aaron Elementary")
    DeviceFactory.create(custodian=technician, asset_tag="CB-IN-VAN")

    html = _html(login(technician).get(reverse("fleet:scan_check_in")))

    assert f'<option value="{depot.pk}" selected>Central Depot (depot: secure overnight storage)' in html
    assert "In your vehicle now (1)" in html
    assert "CB-IN-VAN" in html
    assert "Check in all 1" in html


def test_scan_check_in_add_refuses_a_device_not_in_your_vehicle(
    technician: User, login: Callable[[User], Client], depot: Location
):
    device = DeviceFactory.create()

    html = _html(
        login(technician).post(
            reverse("fleet:scan_check_in_add"), {"code": device.asset_tag, "location": depot.pk}, headers=HTMX
        )
    )

    assert "is not in your vehicle" in html
    assert '<strong id="scan-count" hx-swap-oob="true">0</strong>' in html


def test_vehicle_check_in_all_at_the_depot_is_secure_overnight_storage(
    technician: User, login: Callable[[User], Client], depot: Location
):
    devices = DeviceFactory.create_batch(2, custodian=technician)

    response = login(technician).post(
        reverse("fleet:vehicle_check_in"), {"location": depot.pk, "scope": "all"}, headers=HTMX
    )

    html = _html(response)
    assert html.lstrip().startswith('<form id="check-in-form"')
    assert "Checked in 2 devices at Central Depot: secure overnight storage." in html
    assert "Your vehicle is empty." in html
    for device in devices:
        device.refresh_from_db()
        assert (device.location, device.custodian) == (depot, None)
    assert CustodyEvent.objects.filter(kind=CustodyEventKind.OVERNIGHT_STORAGE).count() == 2


def test_vehicle_check_in_scanned_only_leaves_the_rest_in_the_vehicle(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(name="Birch Elementary")
    scanned, left = DeviceFactory.create_batch(2, custodian=technician)

    html = _html(
        login(technician).post(
            reverse("fleet:vehicle_check_in"),
            {"location": school.pk, "scope": "scanned", "device_id": [scanned.pk]},
            headers=HTMX,
        )
    )

    assert "Checked in 1 device at Birch Elementary: checked in." in html
    assert list(Device.objects.filter(custodian=technician)) == [left]
    assert CustodyEvent.objects.get().kind == CustodyEventKind.VEHICLE_CHECK_IN


def test_vehicle_check_in_of_a_device_not_in_your_vehicle_checks_in_none(
    technician: User, login: Callable[[User], Client], depot: Location
):
    mine, stranger = DeviceFactory.create(custodian=technician), DeviceFactory.create(asset_tag="CB-STRANGER")

    html = _html(
        login(technician).post(
            reverse("fleet:vehicle_check_in"),
            {"location": depot.pk, "device_id": [mine.pk, stranger.pk]},
            headers=HTMX,
        )
    )

    assert "not in your vehicle: CB-STRANGER" in html
    mine.refresh_from_db()
    assert mine.custodian == technician
    assert not CustodyEvent.objects.exists()


def test_vehicle_check_in_at_an_unknown_location_is_not_found(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).post(
        reverse("fleet:vehicle_check_in"), {"location": "999999", "scope": "all"}
    )

    assert response.status_code == 404


def test_scan_check_in_page_query_count_does_not_grow_with_the_vehicle_or_locations(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(technician)
    for _ in range(3):
        DeviceFactory.create(custodian=technician, location=LocationFactory.create())
    client.get(reverse("fleet:scan_check_in"))
    with django_assert_num_queries(6):
        client.get(reverse("fleet:scan_check_in"))
    for _ in range(3):
        DeviceFactory.create(custodian=technician, location=LocationFactory.create(kind=LocationKind.DEPOT))
    with django_assert_num_queries(6):
        client.get(reverse("fleet:scan_check_in"))


# Collection check-in --------------------------------------------------------------------------


def test_scan_collection_add_moves_a_device_here_and_counts_it(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(name="Cedar Middle")
    earlier = DeviceFactory.create(location=school)
    device = DeviceFactory.create(location=LocationFactory.create(name="Dogwood High"))

    response = login(technician).post(
        reverse("fleet:scan_collection_add"),
        {"code": device.serial, "location": school.pk, "device_id": [earlier.pk]},
        headers=HTMX,
    )

    html = _html(response)
    assert "moved here from Dogwood High" in html
    assert '<strong id="scan-count" hx-swap-oob="true">2</strong>' in html
    device.refresh_from_db()
    assert device.location == school
    assert CustodyEvent.objects.get().kind == CustodyEventKind.TRANSFERRED


def test_scan_collection_add_of_a_device_already_here_counts_it_without_an_event(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create()
    device = DeviceFactory.create(location=school)

    html = _html(
        login(technician).post(
            reverse("fleet:scan_collection_add"),
            {"code": device.asset_tag, "location": school.pk},
            headers=HTMX,
        )
    )

    assert "already recorded here" in html
    assert '<strong id="scan-count" hx-swap-oob="true">1</strong>' in html
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize("status", [DeviceStatus.LOST_STOLEN, DeviceStatus.E_WASTE])
def test_scan_collection_add_of_a_gone_device_reports_it_and_does_not_move_it(
    technician: User, login: Callable[[User], Client], status: str
):
    school = LocationFactory.create()
    device = DeviceFactory.create(status=status)

    html = _html(
        login(technician).post(
            reverse("fleet:scan_collection_add"),
            {"code": device.asset_tag, "location": school.pk},
            headers=HTMX,
        )
    )

    assert 'class="scan-row scan-error"' in html
    assert "it was not moved" in html
    assert '<strong id="scan-count" hx-swap-oob="true">0</strong>' in html
    device.refresh_from_db()
    assert device.location != school


def test_scan_collection_add_of_an_unknown_code_keeps_the_session_going(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create()
    counted = DeviceFactory.create(location=school)

    html = _html(
        login(technician).post(
            reverse("fleet:scan_collection_add"),
            {"code": "NOPE-1", "location": school.pk, "device_id": [counted.pk]},
            headers=HTMX,
        )
    )

    assert "No single device has the asset tag or serial “NOPE-1”" in html
    assert '<strong id="scan-count" hx-swap-oob="true">1</strong>' in html


def test_scan_collection_page_with_a_location_shows_the_scan_box(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(name="Hazel Elementary")

    html = _html(login(technician).get(reverse("fleet:scan_collection"), {"location": school.pk}))

    assert 'id="scan-form"' in html
    assert "recorded at Hazel Elementary" in html


# Audits ---------------------------------------------------------------------------------------


def test_location_audit_start_redirects_to_the_scan_screen(technician: User, login: Callable[[User], Client]):
    school = LocationFactory.create()

    response = login(technician).post(reverse("fleet:location_audit_start"), {"location": school.pk})

    audit = LocationAudit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fleet:location_audit", args=[audit.pk])


def test_location_audit_start_says_so_on_the_scan_screen(technician: User, login: Callable[[User], Client]):
    school = LocationFactory.create(name="Oak Elementary")

    response = login(technician).post(
        reverse("fleet:location_audit_start"), {"location": school.pk}, follow=True
    )

    assert "Audit of Oak Elementary started" in _html(response)


def test_location_audit_start_while_one_is_open_shows_the_error(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(name="Ivy Elementary")
    services.location_audit_start(location=school, actor=technician)

    response = login(technician).post(reverse("fleet:location_audit_start"), {"location": school.pk})

    assert response.status_code == 200
    assert "An audit of Ivy Elementary is already open" in _html(response)
    assert 'id="audit-location-error" role="alert"' in _html(response)  # beside the location
    assert LocationAudit.objects.count() == 1


def test_location_audit_scan_returns_the_row_and_the_counts_out_of_band(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create()
    DeviceFactory.create(location=school, asset_tag="CB-HERE-1")
    DeviceFactory.create(location=school, asset_tag="CB-HERE-2")
    audit = services.location_audit_start(location=school, actor=technician)

    response = login(technician).post(
        reverse("fleet:location_audit_scan", args=[audit.pk]), {"code": "cb-here-1"}, headers=HTMX
    )

    html = _html(response)
    assert "<html" not in html
    assert '<li class="scan-row scan-present">' in html
    assert '<dl id="audit-counts" class="counts" hx-swap-oob="true">' in html
    assert '<strong id="scan-count">1</strong>' in html
    assert "1 of 2 expected here" in html


def test_location_audit_scan_twice_shows_an_error_row(technician: User, login: Callable[[User], Client]):
    school = LocationFactory.create()
    DeviceFactory.create(location=school, asset_tag="CB-HERE-1")
    audit = services.location_audit_start(location=school, actor=technician)
    client = login(technician)
    client.post(reverse("fleet:location_audit_scan", args=[audit.pk]), {"code": "CB-HERE-1"}, headers=HTMX)

    html = _html(
        client.post(
            reverse("fleet:location_audit_scan", args=[audit.pk]), {"code": "CB-HERE-1"}, headers=HTMX
        )
    )

    assert "CB-HERE-1 was already scanned in this audit." in html
    assert audit.scans.count() == 1


def test_location_audit_page_for_school_admin_is_forbidden_and_unknown_id_not_found(
    technician: User, school_admin: User, login: Callable[[User], Client]
):
    audit = services.location_audit_start(location=LocationFactory.create(), actor=technician)

    assert login(school_admin).get(reverse("fleet:location_audit", args=[audit.pk])).status_code == 403
    assert login(technician).get(reverse("fleet:location_audit", args=[audit.pk + 1])).status_code == 404


def test_location_audit_finish_redirects_to_the_report_with_outcomes(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(name="Juniper Elementary")
    DeviceFactory.create(location=school, asset_tag="CB-PRESENT")
    DeviceFactory.create(location=school, asset_tag="CB-MISSING")
    DeviceFactory.create(asset_tag="CB-STRAY")
    audit = services.location_audit_start(location=school, actor=technician)
    for code in ["CB-PRESENT", "CB-STRAY", "UNLISTED-1"]:
        services.location_audit_scan(audit=audit, actor=technician, code=code)
    client = login(technician)

    response = client.post(reverse("fleet:location_audit_finish", args=[audit.pk]), headers=HTMX)

    report_url = reverse("fleet:location_audit_report", args=[audit.pk])
    assert response["HX-Redirect"] == report_url
    html = _html(client.get(report_url))
    assert "Missing: expected here by the records, not scanned (1)" in html
    assert "Unexpected: scanned here, recorded elsewhere (1)" in html
    assert "Unknown codes (1)" in html
    assert "Present (1)" in html
    assert CustodyEvent.objects.filter(kind=CustodyEventKind.AUDITED).count() == 2


def test_location_audit_export_lists_each_line_with_its_outcome(
    technician: User, login: Callable[[User], Client]
):
    school = LocationFactory.create(code="JUN")
    DeviceFactory.create(location=school, asset_tag="CB-PRESENT")
    DeviceFactory.create(location=school, asset_tag="CB-MISSING")
    DeviceFactory.create(asset_tag="CB-STRAY", location=LocationFactory.create(code="ELSE"))
    audit = services.location_audit_start(location=school, actor=technician)
    for code in ["CB-PRESENT", "CB-STRAY", "unlisted-1"]:
        services.location_audit_scan(audit=audit, actor=technician, code=code)
    services.location_audit_finish(audit=audit, actor=technician)

    response = login(technician).get(reverse("fleet:location_audit_export", args=[audit.pk]))

    assert response["Content-Type"] == "text/csv"
    assert f"audit-JUN-{audit.started_at:%Y%m%d}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_html(response))))
    assert [(r["outcome"], r["asset_tag"], r["recorded_location"], r["scanned_code"]) for r in rows] == [
        (AuditScanOutcome.PRESENT, "CB-PRESENT", "JUN", "CB-PRESENT"),
        (AuditScanOutcome.MISSING, "CB-MISSING", "JUN", ""),
        (AuditScanOutcome.UNEXPECTED, "CB-STRAY", "ELSE", "CB-STRAY"),
        (AuditScanOutcome.UNKNOWN, "", "", "UNLISTED-1"),
    ]
    assert rows[0]["scanned_at"] and not rows[1]["scanned_at"]


def _audit_schools(technician: User, n: int) -> None:
    """``n`` schools, each with an audit holding a present, an unexpected and an unknown scan."""
    for _ in range(n):
        school = LocationFactory.create()
        here = DeviceFactory.create(location=school)
        DeviceFactory.create(location=school)
        audit = services.location_audit_start(location=school, actor=technician)
        services.location_audit_scan(audit=audit, actor=technician, code=here.asset_tag)
        services.location_audit_scan(audit=audit, actor=technician, code=DeviceFactory.create().asset_tag)
        services.location_audit_scan(audit=audit, actor=technician, code=f"UNLISTED-{school.pk}")


def test_location_audit_list_query_count_does_not_grow_with_audits(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(technician)
    _audit_schools(technician, 3)
    client.get(reverse("fleet:location_audit_list"))
    with django_assert_num_queries(5):
        client.get(reverse("fleet:location_audit_list"))
    _audit_schools(technician, 3)
    with django_assert_num_queries(5):
        response = client.get(reverse("fleet:location_audit_list"))
    assert _html(response).count("Continue</a>") == 6


def test_location_audit_list_htmx_returns_the_list_fragment(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).get(reverse("fleet:location_audit_list"), headers=HTMX)

    assert _html(response).lstrip().startswith('<section id="audit-list"')
    assert "HX-Request" in response["Vary"]


def test_location_audit_page_and_report_query_counts_do_not_grow_with_scans(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    school = LocationFactory.create()
    audit = services.location_audit_start(location=school, actor=technician)
    client = login(technician)

    def scan_three() -> None:
        for _ in range(3):
            services.location_audit_scan(
                audit=audit, actor=technician, code=DeviceFactory.create(location=school).asset_tag
            )
            DeviceFactory.create(location=school)
            services.location_audit_scan(audit=audit, actor=technician, code=DeviceFactory.create().asset_tag)

    scan_three()
    client.get(reverse("fleet:location_audit", args=[audit.pk]))
    with django_assert_num_queries(7):
        client.get(reverse("fleet:location_audit", args=[audit.pk]))
    with django_assert_num_queries(6):
        client.get(reverse("fleet:location_audit_report", args=[audit.pk]))
    scan_three()
    with django_assert_num_queries(7):
        client.get(reverse("fleet:location_audit", args=[audit.pk]))
    with django_assert_num_queries(6):
        response = client.get(reverse("fleet:location_audit_report", args=[audit.pk]))
    assert "Missing: expected here by the records, not scanned (6)" in _html(response)


# The location pickers (fleet_controls.location_options) ----------------------------------------


def _picker(html: str, select_id: str) -> str:
    start = html.index(f'<select id="{select_id}"')
    return html[start : html.index("</select>", start)]


def test_location_pickers_offer_every_active_location_escaped_with_the_chosen_one_selected(
    technician: User, login: Callable[[User], Client]
):
    depot = LocationFactory.create(name="Central & Depot", kind=LocationKind.DEPOT)
    school = LocationFactory.create(name="O'Hare <Elementary>", kind=LocationKind.ELEMENTARY)
    LocationFactory.create(name="Closed school", is_active=False)
    client = login(technician)

    check_in = _picker(
        client.get(reverse("fleet:scan_check_in"), {"location": school.pk}).content.decode(),
        "check-in-location",
    )
    collection = _picker(client.get(reverse("fleet:scan_collection")).content.decode(), "collection-location")
    audits = _picker(client.get(reverse("fleet:location_audit_list")).content.decode(), "audit-location")

    assert (
        f'<option value="{depot.pk}">Central &amp; Depot (depot: secure overnight storage)</option>'
        in check_in
    )
    assert f'<option value="{school.pk}" selected>O&#x27;Hare &lt;Elementary&gt;</option>' in check_in
    assert f'<option value="{school.pk}">O&#x27;Hare &lt;Elementary&gt;</option>' in collection
    assert f'<option value="{depot.pk}">Central &amp; Depot</option>' in collection  # the note is check-in's
    assert " selected" not in collection and " selected" not in audits
    for picker in (check_in, collection, audits):
        assert "Closed school" not in picker
        assert picker.index("Central &amp; Depot") < picker.index("O&#x27;Hare")  # by name
