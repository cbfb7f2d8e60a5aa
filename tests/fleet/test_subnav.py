"""The fleet's sub-navigation offers only the screens the user may open."""

from __future__ import annotations

import pytest
from django.template import Context
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from fleet.templatetags.fleet_nav import fleet_subnav
from portal import selectors as portal_selectors

pytestmark = pytest.mark.django_db


def _labels(user: User, section: str, path: str = "/") -> list[str]:
    request = RequestFactory().get(path)
    request.user = user
    context = Context({"request": request, "nav_items": portal_selectors.navigation_for(user=user)})
    return [link.label for link in fleet_subnav(context, section)]


def test_scan_subnav_for_technician_offers_every_scan_screen_and_the_loaners(technician: User):
    assert _labels(technician, "scan") == [
        "Scan to vehicle",
        "Check in at a location",
        "Collection check-in",
        "Audits",
        "Loaners",
    ]


def test_scan_subnav_leaves_out_the_loaners_when_the_menu_does_not_offer_them(technician: User):
    request = RequestFactory().get("/")
    request.user = technician

    links = fleet_subnav(Context({"request": request, "nav_items": []}), "scan")

    assert "Loaners" not in [link.label for link in links]


def test_scan_subnav_for_school_admin_offers_nothing(school_admin: User):
    assert _labels(school_admin, "scan") == []


def test_report_subnav_for_school_admin_offers_both_reports_and_marks_the_open_one(school_admin: User):
    request = RequestFactory().get(reverse("fleet:aue_plan"))
    request.user = school_admin

    links = fleet_subnav(Context({"request": request}), "reports")

    assert [(link.label, link.current) for link in links] == [
        ("Readiness", False),
        ("AUE refresh plan", True),
    ]
