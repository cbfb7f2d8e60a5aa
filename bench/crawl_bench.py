"""Server time of every page each demo role can reach, beside the framework's floor page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/crawl_bench.py [--roles tech.itss1,admin] [--repeat 5] [--only /fleet/]

For each demo login it crawls what that role's navigation reaches: every menu link (main menu
and account menu), every sub-navigation link on those pages, one page per kind of view linked
from their main content (a device, a ticket, a part...), a few filters and sorts of the device
list, every list API; as the administrator also every admin changelist. Each is requested
``--repeat`` times in-process through ``django.test.Client`` (after one untimed warm-up), with
its SQL counted by ``CaptureQueriesContext``. The floor page (``/floor/``: signed in,
``base.html`` and nothing else) is measured in the same run, and every row is held to a goal
as a multiple of it: lists, searches and list APIs 3x, detail pages 5x, reports and admin
changelists 10x. Prints a table sorted by median time.

Read-only: everything runs in one transaction that is rolled back at the end (sign-ins write a
session row and ``last_login``). ``tests/portal/test_crawl.py`` runs the same crawl in CI over
the tiny demo, pinning each page's status and query count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))
# DEBUG off, as in production; the test settings need no secrets from the environment.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse  # noqa: E402
from django.urls.exceptions import Resolver404  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from demo.services.district import DEMO_LOGINS, DEMO_TECHNICIANS  # noqa: E402
from fleet.choices import DeviceStatus  # noqa: E402
from fleet.models import Location  # noqa: E402

# One login per role (the technician grades see the same pages, at most fewer of them).
DEFAULT_ROLES = ["tech.itss1", "supervisor", "procurement", "schooladmin", "admin"]
ALL_ROLES = [*DEMO_TECHNICIANS.values(), *DEMO_LOGINS.values()]
# Not pages: downloads, the API's JSON and docs, sign-out; the admin is crawled separately.
SKIP_PARTS = ("/api/", "export", ".csv", "download", "logout", "/admin/")
FLOOR = "/floor/"
# Views that summarise many rows into figures: held to the report goal (10x).
REPORT_VIEWS = frozenset(
    {
        "portal:home",
        "fleet:readiness_report",
        "fleet:aue_plan",
        "fleet:location_audit_report",
        "repairs:stock_usage",
        "forecasting:forecast_accuracy",
        "forecasting:refresh_plan",
        "forecasting:part_forecast",
        "staff:timesheet_payroll",
    }
)
GOALS = {"list": 3.0, "detail": 5.0, "report": 10.0, "admin": 10.0, "floor": 1.0}


@dataclass(frozen=True)
class Target:
    role: str
    path: str
    kind: str  # list, detail, report, admin, floor
    # Offered to every role without a menu link (the list APIs): a refusal means "not this
    # role's", so the row is dropped rather than reported.
    optional: bool = False


@dataclass
class Measure:
    target: Target
    status: int
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    size: int = 0  # bytes of the response: what a page renders, beside its time
    sql_ms: list[float] = field(default_factory=list)  # the database's share of each request
    slowest: tuple[float, str] = (0.0, "")  # the slowest statement seen, ms and SQL

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms) if self.sql_ms else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        # Nearest rank: the smallest time at or above 95% of the runs.
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)] if ordered else 0.0

    @property
    def max_queries(self) -> int:
        return max(self.queries, default=0)


class _LinkParser(HTMLParser):
    """Collects the menu links, the sub-navigation links and the main content's links."""

    def __init__(self) -> None:
        super().__init__()
        self.menu: list[str] = []
        self.subnav: list[str] = []
        self.main: list[str] = []
        self._depth: dict[str, int] = {"main": 0, "subnav": 0}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "main":
            self._depth["main"] += 1
        if tag == "nav":
            is_subnav = "subnav" in (values.get("class") or "").split()
            self._stack.append("subnav" if is_subnav else None)
            if is_subnav:
                self._depth["subnav"] += 1
        if tag != "a" or not values.get("href"):
            return
        href = values["href"] or ""
        if "data-nav-link" in values:
            self.menu.append(href)
        elif self._depth["subnav"]:
            self.subnav.append(href)
        elif self._depth["main"]:
            self.main.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._depth["main"] = max(0, self._depth["main"] - 1)
        if tag == "nav" and self._stack and self._stack.pop() == "subnav":
            self._depth["subnav"] -= 1


def _links(html: str) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(html)
    return parser


def _is_page(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//") and not any(p in href for p in SKIP_PARTS)


def view_name(href: str) -> str | None:
    try:
        return resolve(urlsplit(href).path).view_name
    except Resolver404:
        return None


def kind_of(href: str) -> str:
    if href == FLOOR:
        return "floor"
    if href.startswith("/admin/"):
        return "admin"
    match = resolve(urlsplit(href).path)
    if match.view_name in REPORT_VIEWS:
        return "report"
    return "detail" if match.kwargs else "list"


def device_list_variants(user: User) -> list[str]:
    """The device list's filters and sorts that cost the most, on data the user can see."""
    base = reverse("fleet:device_list")
    location = Location.objects.filter(devices__isnull=False).order_by("pk").values_list("pk", flat=True)
    first = location.first()
    year = timezone.localdate().year + 1
    variants = [
        f"{base}?status={DeviceStatus.DEPLOYED}",
        f"{base}?aue_year={year}",
        f"{base}?ordering=location",
        f"{base}?ordering=-purchase_date",
        f"{base}?q=A",
    ]
    if first is not None:
        variants.insert(0, f"{base}?location={first}&status={DeviceStatus.DEPLOYED}")
    return variants


def list_apis() -> list[str]:
    """Every list endpoint of the API (GET, no arguments, named ``*-list``)."""
    found: list[str] = []

    def walk(patterns: Iterable[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif (
                namespace == "api:"
                and (pattern.name or "").endswith("-list")
                and "<" not in str(pattern.pattern)
            ):
                found.append("/" + prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


def admin_changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in sorted(admin.site._registry, key=lambda m: m._meta.label)
    ]


def discover(client: Client, role: str, user: User, max_linked: int = 40) -> list[Target]:
    """What the role's navigation reaches, in the order found, each path once."""
    home = client.get("/")
    menu = [href for href in dict.fromkeys(_links(home.content.decode()).menu) if _is_page(href)]
    pages: dict[str, None] = dict.fromkeys(["/", *menu])
    seen_views = {view_name(href) for href in pages}
    linked: list[str] = []
    for href in menu:
        response = client.get(href)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parsed = _links(response.content.decode())
        for sub in parsed.subnav:
            if _is_page(sub) and sub not in pages:
                pages[sub] = None
                seen_views.add(view_name(sub))
        for link in parsed.main:
            name = view_name(link) if _is_page(link) else None
            if name is None or name in seen_views:
                continue
            seen_views.add(name)
            linked.append(link)
    pages.update(dict.fromkeys(linked[:max_linked]))
    if reverse("fleet:device_list") in pages:
        pages.update(dict.fromkeys(device_list_variants(user)))
    targets = [Target(role, path, kind_of(path)) for path in pages]
    targets += [Target(role, path, "list", optional=True) for path in list_apis()]
    if user.is_superuser:
        targets += [Target(role, path, "admin") for path in admin_changelists()]
    return targets


def measure(client: Client, target: Target, repeat: int) -> Measure:
    client.get(target.path)  # warm-up: template loading, caches, plans
    result = Measure(target=target, status=0)
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(target.path)
            elapsed = time.perf_counter() - started
        result.times_ms.append(elapsed * 1000)
        result.queries.append(len(captured))
        timed = [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]
        result.sql_ms.append(sum(ms for ms, _ in timed))
        result.slowest = max([result.slowest, *timed], key=lambda pair: pair[0])
        result.status = response.status_code
        result.size = len(response.content) if not response.streaming else 0
    return result


def crawl(roles: Sequence[str], repeat: int, only: str = "") -> tuple[Measure, list[Measure]]:
    """The floor measure and one measure per reachable (role, path); run it inside a transaction."""
    users = {u.username: u for u in User.objects.filter(username__in=roles, is_active=True)}
    missing = [role for role in roles if role not in users]
    if missing:
        raise SystemExit(f"No active demo login {', '.join(missing)}: load a demo with seed_demo.")
    measures: list[Measure] = []
    floor_times: list[float] = []
    floor_queries: list[int] = []
    for role in roles:
        client = Client(HTTP_HOST="localhost")
        client.force_login(users[role])
        targets = [t for t in discover(client, role, users[role]) if only in t.path]
        floor = measure(client, Target(role, FLOOR, "floor"), repeat)
        floor_times += floor.times_ms
        floor_queries += floor.queries
        for target in targets:
            result = measure(client, target, repeat)
            if not (target.optional and result.status in (403, 404)):
                measures.append(result)
    floor = Measure(Target("all", FLOOR, "floor"), 200, floor_times, floor_queries, floor.size)
    return floor, measures


def table(floor: Measure, measures: list[Measure]) -> list[str]:
    header = (
        f"{'path':<58} {'role':<12} {'HTTP':>4} {'median ms':>9} {'p95 ms':>8} {'queries':>7}"
        f" {'SQL ms':>6} {'KiB':>6} {'x floor':>7} {'goal':>5}  verdict"
    )
    lines = [header, "-" * len(header)]
    base = floor.median or 1.0
    for m in sorted([floor, *measures], key=lambda m: m.median, reverse=True):
        goal = GOALS[m.target.kind]
        ratio = m.median / base
        over = m.status != 200 or ratio > goal or m.p95 / base > goal
        verdict = "floor" if m.target.kind == "floor" else ("OVER" if over else "OK")
        lines.append(
            f"{m.target.path[:58]:<58} {m.target.role:<12} {m.status:>4} {m.median:>9.1f} {m.p95:>8.1f}"
            f" {m.max_queries:>7} {m.sql_median:>6.1f} {m.size / 1024:>6.1f} {ratio:>7.1f}"
            f" {goal:>4.0f}x  {verdict}"
        )
    return lines


def accounts(floor: Measure, measures: list[Measure]) -> list[str]:
    """For each row over its goal: where its time goes (the database's share, the rest spent
    rendering so many KiB) and its slowest statement, the row's account for the note."""
    base = floor.median or 1.0
    lines = []
    for m in sorted(measures, key=lambda m: m.median, reverse=True):
        goal = GOALS[m.target.kind]
        if m.status == 200 and m.median / base <= goal and m.p95 / base <= goal:
            continue
        render = max(m.median - m.sql_median, 0.0)
        ms, sql = m.slowest
        lines.append(
            f"{m.target.path} ({m.target.role}): {m.median:.1f} ms = SQL {m.sql_median:.1f} ms in"
            f" {m.max_queries} queries + {render:.1f} ms rendering {m.size / 1024:.0f} KiB;"
            f" slowest {ms:.1f} ms: {' '.join(sql.split())[:220]}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", default=",".join(DEFAULT_ROLES), help=f"demo logins, any of {ALL_ROLES}")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument("--only", default="", help="only paths containing this text")
    parser.add_argument(
        "--why", action="store_true", help="then each row over goal: SQL, rendering, slowest query"
    )
    args = parser.parse_args()
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    started = time.perf_counter()
    with transaction.atomic():
        floor, measures = crawl(roles, args.repeat, args.only)
        transaction.set_rollback(True)  # sessions and last_login: leave the database as it was
    lines = table(floor, measures)
    over = sum(1 for line in lines[2:] if line.endswith("OVER"))
    print(f"{connection.vendor} {connection.settings_dict['NAME']}: {len(measures)} pages, roles {roles},")
    print(
        f"{args.repeat} timed runs each after one warm-up;"
        f" {time.perf_counter() - started:.0f}s; {over} over goal."
    )
    print("\n".join(lines))
    if args.why:
        print("\nRows over goal, where the time goes:")
        print("\n".join(accounts(floor, measures)))


if __name__ == "__main__":
    main()
