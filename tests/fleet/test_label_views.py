"""Print labels (/fleet/labels/): from the device list's filters or a range of new tags, as a
PDF sheet or roll or as ZPL; who may, what a refusal says and where, and the queries it costs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import DeviceStatus
from fleet.domain import labels
from fleet.models import DeviceModel, District, Manufacturer
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory, ManufacturerFactory
from tests.fleet.label_support import decode_pages, page_text

pytestmark = pytest.mark.django_db

PAGE_URL = reverse("fleet:label_print")
PRINT_URL = reverse("fleet:label_download")


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def district() -> District:
    district = District.current()
    district.name = "Maple Valley Schools"
    district.save(update_fields=["name"])
    return district


def _school_devices(count: int, **fields: Any) -> list[Any]:
    maker = Manufacturer.objects.filter(name="Lenovo").first() or ManufacturerFactory.create(name="Lenovo")
    model = DeviceModel.objects.filter(manufacturer=maker).first() or DeviceModelFactory.create(
        manufacturer=maker, name="Lenovo 100e Chromebook Gen 3"
    )
    school = fields.pop("location", None) or LocationFactory.create(name="Oak High")
    return DeviceFactory.create_batch(count, model=model, manufacturer=maker, location=school, **fields)


def _field_errors(response: Any) -> dict[str, list[str]]:
    """The form's errors of a refused print: the page again, not a file."""
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    return {
        name: [str(error) for error in errors] for name, errors in response.context["form"].errors.items()
    }


# What it prints --------------------------------------------------------------------------------


def test_label_pdf_for_30_devices_has_30_decodable_barcodes_matching_their_tags(
    technician: User, login: Callable[[User], Client], district: District
):
    devices = _school_devices(30)
    DeviceFactory.create_batch(3)  # elsewhere: not in the filter
    tags = sorted(device.asset_tag for device in devices)

    response = login(technician).get(
        PRINT_URL, {"location": devices[0].location_id, "source": "filter", "format": "avery5160"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="labels-avery5160-2026-03-15.pdf"'
    assert decode_pages(response.content) == [tags]
    text = page_text(response.content)
    assert text.count("Maple Valley Schools") == 30 and text.count("100e Chromebook Gen 3") == 30


def test_labels_keep_the_device_lists_sort_and_status_filter(
    technician: User, login: Callable[[User], Client]
):
    devices = _school_devices(4, status=DeviceStatus.IN_STOCK)
    _school_devices(2, status=DeviceStatus.DEPLOYED)

    response = login(technician).get(
        PRINT_URL, {"status": "in_stock", "ordering": "-asset_tag", "source": "filter", "format": "avery5163"}
    )

    assert decode_pages(response.content) == [sorted((d.asset_tag for d in devices), reverse=True)]


def test_roll_pdf_has_a_page_per_device_each_reading_back(technician: User, login: Callable[[User], Client]):
    devices = _school_devices(3)

    response = login(technician).get(PRINT_URL, {"q": "CB-", "source": "filter", "format": "roll"})

    assert decode_pages(response.content) == [[device.asset_tag] for device in devices]


def test_zpl_download_has_a_format_per_device(
    technician: User, login: Callable[[User], Client], district: District
):
    devices = _school_devices(5)

    response = login(technician).get(PRINT_URL, {"source": "filter", "format": "zpl"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="labels-zebra-2026-03-15.zpl"'
    body = response.content.decode()
    assert body.count("^XA") == 5 and body.count("^XZ") == 5
    for device in devices:
        assert f"^FD>:CB->5{device.asset_tag.removeprefix('CB-')}^FS" in body
    assert body.count("^FDMaple Valley Schools^FS") == 5


def test_tag_range_prints_new_tags_with_the_district(
    technician: User, login: Callable[[User], Client], district: District
):
    response = login(technician).get(
        PRINT_URL,
        {
            "source": "range",
            "tag_prefix": "cb-",
            "first": "101",
            "last": "130",
            "digits": "6",
            "format": "avery5160",
            "skip": "3",
        },
    )

    first_sheet, second_sheet = decode_pages(response.content)
    expected = [f"CB-{n:06d}" for n in range(101, 131)]
    assert first_sheet + second_sheet == expected and len(first_sheet) == 27
    assert "Maple Valley Schools" in page_text(response.content)


# Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["technician", "supervisor", "admin_user", "school_admin"])
def test_people_who_handle_devices_open_the_label_form(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    response = login(request.getfixturevalue(actor)).get(PAGE_URL)

    assert response.status_code == 200
    assert b'id="label-form"' in response.content


@pytest.mark.parametrize("actor", ["procurement", "no_role_user"])
def test_procurement_and_people_without_a_role_may_not_print_labels(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    client = login(request.getfixturevalue(actor))

    assert client.get(PAGE_URL).status_code == 403
    assert client.get(PRINT_URL, {"source": "filter", "format": "avery5160"}).status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client: Client):
    response = client.get(PRINT_URL)

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_school_admin_prints_only_their_own_schools_devices(
    school_admin: User, login: Callable[[User], Client]
):
    own_school = school_admin.profile.locations.get()
    own = _school_devices(2, location=own_school)
    other = DeviceFactory.create()

    client = login(school_admin)
    mine = client.get(PRINT_URL, {"source": "filter", "format": "avery5160"})
    theirs = client.get(PRINT_URL, {"q": other.asset_tag, "source": "filter", "format": "avery5160"})

    assert decode_pages(mine.content) == [[device.asset_tag for device in own]]
    assert _field_errors(theirs) == {
        "source": ["No device matches these filters: there is nothing to print."]
    }


def test_school_admin_may_not_print_a_tag_range(school_admin: User, login: Callable[[User], Client]):
    client = login(school_admin)

    page = client.get(PAGE_URL)
    refused = client.get(
        PRINT_URL,
        {"source": "range", "tag_prefix": "CB-", "first": "1", "last": "2", "digits": "6", "format": "roll"},
    )

    assert b"Range of new tags" not in page.content and b'value="range"' not in page.content
    assert list(_field_errors(refused)) == ["source"]


def test_device_list_offers_print_labels_with_its_filters(
    technician: User, procurement: User, login: Callable[[User], Client]
):
    location = LocationFactory.create()

    response = login(technician).get(reverse("fleet:device_list"), {"location": location.pk, "page": 2})
    link = re.search(r'id="print-labels"[^>]*href="([^"]+)"', response.content.decode())

    assert link is not None and link[1] == f"{PAGE_URL}?location={location.pk}"
    assert b'id="print-labels"' not in login(procurement).get(reverse("fleet:device_list")).content


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"source": "filter", "q": "NOPE"}, "source", "No device matches these filters"),
        ({"source": "filter", "location": "abc"}, "source", "The device filters are not valid"),
        (
            {"source": "range", "tag_prefix": "CB-", "first": 9, "last": 3, "digits": 6},
            "last",
            "before the first",
        ),
        (
            {"source": "range", "tag_prefix": "CB-", "first": 1, "last": 5000, "digits": 6},
            "last",
            "at most 3,000",
        ),
        ({"source": "range", "tag_prefix": "CB-", "last": 5, "digits": 6}, "first", "Enter the first number"),
        (
            {"source": "range", "tag_prefix": "CB-É", "first": 1, "last": 2, "digits": 6},
            "tag_prefix",
            "letters, digits",
        ),
        (
            {"source": "range", "tag_prefix": "CB-", "first": 1, "last": 99, "digits": 1},
            "digits",
            "more than 1 digits",
        ),
        ({"source": "filter", "skip": 5, "format": "roll"}, "skip", "Only a sheet has labels to skip"),
        ({"source": "filter", "skip": 5, "format": "zpl"}, "skip", "Only a sheet has labels to skip"),
        ({"source": "filter", "skip": 30}, "skip", "between 0 and 29"),
        ({"source": "filter", "format": "inkjet"}, "format", "Select a valid choice"),
        ({"source": "everything"}, "source", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_beside_the_field_it_names(
    technician: User, login: Callable[[User], Client], query: dict[str, Any], field: str, message: str
):
    _school_devices(2)

    response = login(technician).get(PRINT_URL, {"format": "avery5160", **query})

    errors = _field_errors(response)
    assert list(errors) == [field] and message in errors[field][0]
    # Shown on the page, right below its field.
    assert f'id="id_{field}' in response.content.decode() and message in response.content.decode()


def test_more_devices_than_the_cap_are_refused_asking_for_narrower_filters(
    technician: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(labels, "MAX_LABELS", 5)
    _school_devices(6)

    response = login(technician).get(PRINT_URL, {"source": "filter", "format": "avery5160"})

    assert _field_errors(response) == {
        "source": [
            "These filters match more than 5 devices: narrow them (a location, a status, a model) to "
            "print at most 5 labels at a time."
        ]
    }


def test_range_with_tags_already_on_devices_is_refused(technician: User, login: Callable[[User], Client]):
    DeviceFactory.create(asset_tag="CB-000105")
    DeviceFactory.create(asset_tag="CB-000107")

    response = login(technician).get(
        PRINT_URL,
        {
            "source": "range",
            "tag_prefix": "CB-",
            "first": "101",
            "last": "110",
            "digits": "6",
            "format": "roll",
        },
    )

    assert _field_errors(response) == {
        "first": [
            "CB-000105 and 1 more already belong to devices: print a range no device has, or reprint "
            "from the device list."
        ]
    }


def test_tag_too_long_for_the_label_is_refused_above_the_form(
    technician: User, login: Callable[[User], Client]
):
    DeviceFactory.create(asset_tag="ABCDEFGHIJKLMNOPQRSTUVWXYZABCD")

    response = login(technician).get(PRINT_URL, {"source": "filter", "format": "avery5160"})

    errors = _field_errors(response)
    assert list(errors) == ["__all__"] and "too long" in errors["__all__"][0]
    assert "choose a larger label" in response.content.decode()


# The page and its preview ----------------------------------------------------------------------


def test_page_shows_the_filters_in_words_and_how_many_labels(
    technician: User, login: Callable[[User], Client]
):
    devices = _school_devices(4, status=DeviceStatus.IN_STOCK)

    response = login(technician).get(PAGE_URL, {"location": devices[0].location_id, "status": "in_stock"})

    html = response.content.decode()
    assert "Location: Oak High · Status: In stock" in html
    assert f'<input type="hidden" name="location" value="{devices[0].location_id}">' in html
    assert '<input type="hidden" name="status" value="in_stock">' in html
    assert "4 labels." in html


def test_htmx_preview_answers_the_fragment_with_labels_and_sheets(
    technician: User, login: Callable[[User], Client]
):
    _school_devices(40)

    response = login(technician).get(
        PAGE_URL, {"source": "filter", "format": "avery5160", "skip": "25"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert html.lstrip().startswith('<div id="label-preview"') and "<html" not in html
    assert "40 labels on 3 sheets." in html


def test_htmx_preview_names_a_bad_range(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(
        PAGE_URL,
        {"source": "range", "tag_prefix": "CB-", "first": "9", "last": "3", "digits": "6", "format": "roll"},
        headers={"HX-Request": "true"},
    )

    assert "Not ready to print: The last number comes before the first (9)." in response.content.decode()


def test_preview_says_when_the_filters_match_too_many(
    technician: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(labels, "MAX_LABELS", 3)
    _school_devices(4)

    response = login(technician).get(PAGE_URL)

    assert "More than 3 labels: narrow the filters" in response.content.decode()


# Queries ---------------------------------------------------------------------------------------


def test_label_page_and_download_cost_a_fixed_number_of_queries(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(technician)
    devices = _school_devices(3)
    location = devices[0].location_id
    query = {"location": location, "status": "deployed", "source": "filter", "format": "avery5160"}
    client.get(PAGE_URL)  # warm the session
    District.current()

    # Session, user, roles; the location of the filter summary; a capped count.
    with django_assert_num_queries(5):
        client.get(PAGE_URL, {"location": location, "status": "deployed"})
    # Session, user, roles; the location (form, then filters); the rows; the district.
    with django_assert_num_queries(6):
        client.get(PRINT_URL, query)
    _school_devices(40, location=devices[0].location)
    with django_assert_num_queries(6):
        response = client.get(PRINT_URL, query)
    assert len(decode_pages(response.content)[0]) == 30
