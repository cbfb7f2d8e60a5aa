"""The crawl bench's crawl over the tiny demo: every page each role's navigation reaches (and the
list APIs, and the admin's changelists) answers 200 within its pinned query count.

No timings here (CI machines vary); ``bench/crawl_bench.py`` times the same crawl on a district.
Pins are per view (the highest count over the roles and variants that reach it): a page that
starts to make more queries, say one per row, fails until its pin is raised with a reason.
"""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from bench import crawl_bench

pytestmark = pytest.mark.django_db

log = logging.getLogger(__name__)

# A school administrator's pages read their school ids first (fleet.models.visible_location_ids):
# one query more than a subquery, for plans that start from the school's index. Time and pay
# pages likewise read the ids of the people whose time the user sees (staff.selectors.time).
# Ticket lists read their devices, and the stock ledger the other end of its transfers, by
# prefetch: one query more than a join, for a plan PostgreSQL makes in a fraction of the time.
PINNED: dict[str, int] = {
    "accounts:lockout_list": 4,
    "accounts:password_change": 3,
    "accounts:token_list": 4,
    "api:charge-list": 5,
    "api:device-list": 7,  # the page's ids, then their rows as columns (fleet.selectors)
    "api:device-model-list": 5,
    "api:forecast-list": 6,
    "api:forecast-run-list": 5,
    "api:google-sync-run-list": 4,
    "api:import-job-list": 4,
    "api:import-mapping-list": 4,
    "api:location-list": 6,
    "api:overtime-request-list": 7,
    "api:overtime-rule-list": 5,
    "api:part-list": 6,
    "api:purchase-order-list": 5,
    "api:reorder-suggestion-list": 6,
    "api:stock-level-list": 5,
    "api:stock-movement-list": 6,
    "api:ticket-list": 7,  # a school administrator: their school ids first (repairs.models)
    "api:time-entry-list": 6,
    "api:timesheet-list": 6,
    "fleet:aue_plan": 10,
    "fleet:device_detail": 12,  # repairs cost to date (one query); the ticket ids its loans are found by
    "fleet:device_import": 4,
    "fleet:device_list": 11,
    "fleet:google_sync": 4,
    "fleet:import_job_list": 4,
    "fleet:import_mapping_list": 4,
    "fleet:label_print": 5,
    "fleet:location_audit_list": 5,
    "fleet:readiness_devices": 7,
    "fleet:readiness_report": 7,
    "fleet:scan_check_in": 6,
    "fleet:scan_collection": 4,
    "fleet:scan_vehicle": 3,
    "forecasting:forecast_accuracy": 6,
    "forecasting:forecast_list": 10,
    "forecasting:part_forecast": 12,
    "forecasting:refresh_plan": 12,
    "forecasting:suggestion_list": 8,
    "loans:loan_due_list": 6,  # the count, the page's loan ids, then their rows
    "loans:loaner_pool": 6,
    "loans:loaner_pool_list": 6,
    "notifications:delivery_list": 3,
    "notifications:preference_edit": 5,
    "portal:home": 13,
    "repairs:part_detail": 9,
    "repairs:part_list": 7,
    "repairs:purchase_order_create": 6,
    "repairs:purchase_order_detail": 6,
    "repairs:purchase_order_list": 7,
    "repairs:stock_adjust": 5,
    "repairs:stock_list": 7,
    "repairs:stock_low": 6,  # paged: its count
    "repairs:stock_movement_list": 8,
    "repairs:stock_transfer": 6,
    "repairs:stock_usage": 6,
    "repairs:ticket_detail": 18,  # assignee, reporter and vendor by id (not joined), the loans by ticket ids
    "repairs:ticket_intake": 4,
    "repairs:ticket_list": 9,  # a school administrator: their school ids first
    "repairs:ticket_open": 3,
    "repairs:ticket_queue_mine": 7,
    "staff:overtime_mine": 12,
    "staff:overtime_queue": 8,
    "staff:overtime_request_detail": 8,
    "staff:overtime_rules": 10,
    "staff:time_entry_edit": 6,
    "staff:time_entry_week": 12,
    "staff:timesheet_detail": 6,
    "staff:timesheet_payroll": 3,
    "staff:timesheet_team": 7,
    "students:agreement_list": 4,
    "students:collect_scan": 3,
    "students:handout_scan": 3,
    "students:charge_list": 6,
    "students:fee_schedule": 6,
    "students:roster_import": 4,
    "students:student_detail": 10,  # with the school ids of a school administrator first
    "students:student_list": 6,
    "/admin/accounts/staffgrade/": 5,
    "/admin/accounts/staffprofile/": 6,
    "/admin/accounts/user/": 6,
    "/admin/auth/group/": 5,
    "/admin/axes/accessattempt/": 8,
    "/admin/axes/accessfailurelog/": 8,
    "/admin/axes/accesslog/": 8,
    # The date hierarchy: the first and last row, for the tag and for the period links (core.admin).
    "/admin/fleet/custodyevent/": 6,
    "/admin/fleet/device/": 5,
    "/admin/fleet/devicemodel/": 6,
    "/admin/fleet/devicetally/": 5,
    "/admin/fleet/district/": 5,
    "/admin/fleet/googlesyncrun/": 5,
    "/admin/fleet/importjob/": 5,
    "/admin/fleet/importmapping/": 5,
    "/admin/fleet/location/": 6,
    "/admin/fleet/locationaudit/": 5,
    "/admin/fleet/locationauditscan/": 4,
    "/admin/fleet/manufacturer/": 5,
    "/admin/fleet/summaryrefresh/": 5,
    "/admin/forecasting/forecastrun/": 5,
    "/admin/forecasting/modelyeartally/": 5,
    "/admin/forecasting/partforecast/": 6,
    "/admin/forecasting/reordersuggestion/": 5,
    "/admin/forecasting/serviceleveltarget/": 5,
    "/admin/knox/authtoken/": 5,
    "/admin/notifications/delivery/": 4,
    "/admin/notifications/notificationpreference/": 5,
    "/admin/repairs/loan/": 5,
    "/admin/repairs/part/": 6,
    "/admin/repairs/partusagetally/": 4,
    "/admin/repairs/purchaseorder/": 6,
    "/admin/repairs/purchaseorderline/": 5,
    "/admin/repairs/stocklevel/": 6,
    "/admin/repairs/stocklocation/": 5,
    "/admin/repairs/stockmovement/": 7,  # + 2 for the date hierarchy, as custody events
    "/admin/repairs/ticket/": 6,  # + 2 for the date hierarchy
    "/admin/repairs/ticketevent/": 6,  # + 2 for the date hierarchy
    "/admin/repairs/vendor/": 5,
    "/admin/staff/overtimedelegation/": 5,
    "/admin/staff/overtimerequest/": 7,
    "/admin/staff/overtimerequestevent/": 5,
    "/admin/staff/overtimerule/": 5,
    "/admin/staff/timeentry/": 7,
    "/admin/staff/timesheet/": 7,
    # The one-to-one foundations' admins (not pinned when they landed), and the roster import's.
    "/admin/students/accessorystock/": 5,
    "/admin/students/agreement/": 5,
    "/admin/students/charge/": 4,
    "/admin/students/chargepolicy/": 5,
    "/admin/students/collectionwindow/": 5,
    "/admin/students/feerule/": 5,
    "/admin/students/handout/": 4,
    "/admin/students/payment/": 5,
    "/admin/students/rosterimportjob/": 5,
    "/admin/students/rosterschoolmapping/": 5,
    "/admin/students/student/": 5,
}


def _key(path: str) -> str:
    return path if path.startswith("/admin/") else (crawl_bench.view_name(path) or path)


# The demo is built as of the day it runs: on some days the tiny demo has no loaner due, and a
# list with no rows makes one query fewer. One fixed day makes every page's count the same daily.
AS_OF = dt.datetime(2026, 12, 5, 14, 0, tzinfo=dt.UTC)


def test_crawl_of_the_tiny_demo_answers_200_within_pinned_query_counts():
    with time_machine.travel(AS_OF, tick=True):
        call_command("seed_demo", size="tiny", seed=1, stdout=io.StringIO())
        with transaction.atomic():
            floor, measures = crawl_bench.crawl(crawl_bench.DEFAULT_ROLES, repeat=1)

    worst: dict[str, int] = {}
    for m in measures:
        key = _key(m.target.path)
        worst[key] = max(worst.get(key, 0), m.max_queries)
    log.info("pins: %s", dict(sorted(worst.items())))
    refused = [f"{m.target.role} {m.target.path}: {m.status}" for m in measures if m.status != 200]
    over = [
        f"{key}: {n} queries, pinned at {PINNED.get(key)}"
        for key, n in worst.items()
        if n > PINNED.get(key, 0)
    ]
    assert floor.status == 200 and floor.max_queries <= 4
    assert len(measures) > 100, "the crawl found too few pages: is the menu still marked data-nav-link?"
    assert not refused, "\n".join(refused)
    assert not over, "\n".join(over)
