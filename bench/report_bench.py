"""Server time of the reports that read summary tables, against an existing PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_summ \\
        .venv/bin/python bench/report_bench.py [--runs 5] [--warmup 1]

Each case is a request through ``django.test.Client`` (middleware, session and role checks, the
selector, rendering or the CSV stream), signed in as a supervisor or a procurement officer of the
loaded district. It prints the median and the slowest of ``--runs`` timed requests (after
``--warmup`` untimed ones) and the SQL queries per request. Every case names only URLs and roles,
so the same file measures the code before the summary tables and after them.

Read-only: signing in writes a session row and ``last_login`` inside one transaction that is
rolled back at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
# DEBUG off, as in production; the test settings need no secrets from the environment.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import User  # noqa: E402
from fleet.models import Device  # noqa: E402


def _cases() -> list[tuple[str, str, str, dict[str, str]]]:
    """(name, role, url, query) for each report page and export."""
    today = timezone.localdate()
    mid_month = today.replace(day=1) - dt.timedelta(days=200)
    return [
        ("readiness", Role.SUPERVISOR, reverse("fleet:readiness_report"), {}),
        ("readiness CSV", Role.SUPERVISOR, reverse("fleet:readiness_export"), {}),
        ("AUE plan, 5 school years", Role.SUPERVISOR, reverse("fleet:aue_plan"), {}),
        ("AUE plan CSV", Role.SUPERVISOR, reverse("fleet:aue_plan_export"), {}),
        ("refresh plan", Role.PROCUREMENT, reverse("forecasting:refresh_plan"), {}),
        ("refresh plan CSV", Role.PROCUREMENT, reverse("forecasting:refresh_plan"), {"format": "csv"}),
        ("parts usage, last 12 months", Role.SUPERVISOR, reverse("repairs:stock_usage"), {}),
        (
            "parts usage, from mid-month",
            Role.SUPERVISOR,
            reverse("repairs:stock_usage"),
            {"date_from": mid_month.replace(day=15).isoformat()},
        ),
    ]


def _body(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined, no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed requests per case (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests first (default 1)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to the PostgreSQL database to measure (e.g. the loaded district).")
    lines = []
    with transaction.atomic():
        clients: dict[str, Client] = {}
        for role in (Role.SUPERVISOR, Role.PROCUREMENT):
            user = User.objects.with_role(role).filter(is_active=True).order_by("pk").first()
            if user is None:
                sys.exit(f"The database needs an active user with the role {role}.")
            clients[role] = Client(HTTP_HOST="localhost")
            clients[role].force_login(user)
        devices = Device.objects.count()
        for name, role, url, query in _cases():
            client = clients[role]
            for _ in range(args.warmup):
                _body(client.get(url, query))
            times, queries, status = [], [], 0
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, query)
                    _body(response)
                    times.append((time.perf_counter() - started) * 1000)
                queries.append(len(captured))
                status = response.status_code
            counted = str(queries[0]) if len(set(queries)) == 1 else f"{min(queries)}-{max(queries)}"
            median, slowest = statistics.median(times), max(times)
            lines.append(f"{name:<30} {role:<12} {status:>4} {counted:>7} {median:>10.1f} {slowest:>8.1f}")
        transaction.set_rollback(True)
    sys.stdout.write(f"{devices:,} devices; {args.runs} timed runs per case after {args.warmup} warm-up.\n")
    sys.stdout.write(f"{'case':<30} {'as':<12} {'HTTP':>4} {'queries':>7} {'median ms':>10} {'max ms':>8}\n")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
