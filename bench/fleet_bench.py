"""Server time of the fleet's read screens against an existing PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/fleet_bench.py [--runs 30] [--warmup 3]

Each case is a request through ``django.test.Client`` (the whole server side: middleware,
session and role checks, the selector, template rendering), signed in as a technician or as a
school administrator of the loaded district. For each case it prints the median and 95th
percentile over ``--runs`` timed requests (after ``--warmup`` untimed ones), the number of SQL
queries per request and the response size.

Read-only for the district: signing in writes a session row and ``last_login``, and the scan
case posts one scan (which writes nothing); all of it runs inside one transaction that is
rolled back at the end, so the database is left exactly as it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
# DEBUG off, as in production; the test settings need no secrets from the environment.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import StaffProfile, User  # noqa: E402
from fleet.choices import SCHOOL_KINDS, DeviceStatus  # noqa: E402
from fleet.models import Device, Location  # noqa: E402
from fleet.selectors.reports import school_year_of  # noqa: E402

HTMX = {"HX-Request": "true"}


@dataclass
class Case:
    name: str
    role: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "get"


@dataclass
class Result:
    case: Case
    status: int
    queries: list[int]
    times_ms: list[float]
    size: int

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        # Nearest rank: the smallest time at or above 95% of the runs.
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _actors() -> tuple[User, User, Location]:
    """An active technician, and a school administrator with the school holding their devices."""
    technician = User.objects.with_role(Role.TECHNICIAN).filter(is_active=True).order_by("pk").first()
    profile = (
        StaffProfile.objects.filter(user__groups__name=Role.SCHOOL_ADMIN, user__is_active=True)
        .annotate(n=Count("locations"))
        .filter(n__gte=1)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if technician is None or profile is None:
        sys.exit("The database needs an active technician and a school administrator with a school.")
    school = profile.locations.order_by("pk").first()
    assert school is not None
    return technician, profile.user, school


def _cases(school: Location, admin_school: Location) -> list[Case]:
    device = Device.objects.filter(location=school).order_by("pk").first()
    if device is None:
        sys.exit(f"{school} has no devices.")
    prefix = device.asset_tag[:6]
    this_year = school_year_of(timezone.localdate())
    aue_year = str(this_year + 2)
    deployed = {"location": str(school.pk), "status": DeviceStatus.DEPLOYED}
    admin_deployed = {"location": str(admin_school.pk), "status": DeviceStatus.DEPLOYED}
    return [
        Case(
            "exact scan (search box, exact=1)",
            "technician",
            reverse("fleet:device_search"),
            {"q": device.asset_tag.lower(), "exact": "1"},
            HTMX,
        ),
        Case(
            "exact scan (scan to vehicle, one scan)",
            "technician",
            reverse("fleet:scan_vehicle_add"),
            {"code": device.serial},
            HTMX,
            method="post",
        ),
        Case(f"prefix search q={prefix}", "technician", reverse("fleet:device_search"), {"q": prefix}, HTMX),
        Case("list: location + status, page 1", "technician", reverse("fleet:device_list"), deployed),
        Case("list: location + status, page 1", "school_admin", reverse("fleet:device_list"), admin_deployed),
        Case(
            f"list: AUE year {aue_year}, page 1",
            "technician",
            reverse("fleet:device_list"),
            {"aue_year": aue_year},
        ),
        Case(
            "list: sorted by location, page 1",
            "technician",
            reverse("fleet:device_list"),
            {"ordering": "location"},
        ),
        Case("device detail", "technician", reverse("fleet:device_detail", args=[device.pk])),
        Case("readiness report (all schools)", "technician", reverse("fleet:readiness_report")),
        Case("readiness report (own school)", "school_admin", reverse("fleet:readiness_report")),
        Case("AUE plan, 5 school years", "technician", reverse("fleet:aue_plan")),
        Case("AUE plan CSV, 5 school years", "technician", reverse("fleet:aue_plan_export")),
        Case("AUE plan (own school)", "school_admin", reverse("fleet:aue_plan")),
        Case("loaner pools (all schools)", "technician", reverse("loans:loaner_pool_list")),
        Case(
            "loaner pool of the busiest school", "technician", reverse("loans:loaner_pool", args=[school.pk])
        ),
        Case("loaners due back", "technician", reverse("loans:loan_due_list")),
        Case("check-in page (locations, vehicle)", "technician", reverse("fleet:scan_check_in")),
    ]


def _run(client: Client, case: Case, runs: int, warmup: int) -> Result:
    send = client.post if case.method == "post" else client.get
    for _ in range(warmup):
        send(case.url, case.params, headers=case.headers)
    times: list[float] = []
    queries: list[int] = []
    status, size = 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send(case.url, case.params, headers=case.headers)
            elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        queries.append(len(captured))
        status, size = response.status_code, len(response.content)
    return Result(case=case, status=status, queries=queries, times_ms=times, size=size)


def _print(results: list[Result]) -> None:
    header = f"{'case':<44} {'as':<13} {'HTTP':>4} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'KiB':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        queries = str(r.queries[0]) if len(set(r.queries)) == 1 else f"{min(r.queries)}-{max(r.queries)}"
        print(
            f"{r.case.name:<44} {r.case.role:<13} {r.status:>4} {queries:>7} "
            f"{r.median:>10.1f} {r.p95:>8.1f} {r.size / 1024:>7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="timed requests per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to the PostgreSQL database to measure (e.g. the loaded district).")

    with transaction.atomic():
        technician, school_admin, admin_school = _actors()
        school = (
            Location.objects.filter(kind__in=SCHOOL_KINDS)
            .annotate(n=Count("devices"))
            .order_by("-n", "pk")
            .first()
        )
        assert school is not None
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        devices, locations = Device.objects.count(), Location.objects.count()
        print(f"PostgreSQL {version}: {devices:,} devices, {locations} locations.")
        print(f"Technician {technician.username}; school administrator {school_admin.username}", end="")
        print(f" ({admin_school.name}).")
        print(f"Busiest school {school.name}; {args.runs} timed runs per case after {args.warmup} warm-up.")
        clients = {"technician": Client(HTTP_HOST="localhost"), "school_admin": Client(HTTP_HOST="localhost")}
        clients["technician"].force_login(technician)
        clients["school_admin"].force_login(school_admin)
        results = [
            _run(clients[case.role], case, args.runs, args.warmup) for case in _cases(school, admin_school)
        ]
        # Nothing the benchmark did (sessions, last_login) stays in the database.
        transaction.set_rollback(True)
    _print(results)


if __name__ == "__main__":
    main()
