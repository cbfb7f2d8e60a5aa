"""``manage.py seed_demo --size small|medium|district --seed N [--reset]``: load a demo district."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from demo.services.builder import DEMO_PASSWORD, build_demo, demo_data_exists, existing_demo_logins

DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Load a deterministic demo district: small (12 locations, ~1,500 devices; seconds on SQLite), "
        "medium (the district's 210 locations with a tenth of its devices and tickets) "
        "or district (210 locations, 250,000 devices, ~1,000,000 tickets; use PostgreSQL)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        # "tiny" exists for the test suite only, so it is left out of the help text.
        parser.add_argument(
            "--size",
            choices=["small", "medium", "district", "tiny"],
            default="small",
            metavar="{small,medium,district}",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the existing demo data first instead of refusing."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into an empty database; otherwise keep the data and just list the demo logins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and not options["reset"] and demo_data_exists():
            self.stdout.write("The database already holds a district; keeping it.")
            self._write_logins(existing_demo_logins())
            return
        try:
            result = build_demo(
                size=options["size"],
                seed=options["seed"],
                reset=options["reset"],
                log=self.stdout.write,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(seconds for _, seconds in result.timings)
        self.stdout.write(self.style.SUCCESS(f"Demo district loaded in {total:.1f}s."))
        width = max(len(name) for name in result.counts)
        for name, count in result.counts.items():
            self.stdout.write(f"  {name.ljust(width)}  {count:>10,}")
        self._write_logins(result.logins)

    def _write_logins(self, logins: list[tuple[str, str]]) -> None:
        self.stdout.write("")
        if not logins:
            self.stdout.write("No demo logins in this database; create a user with createsuperuser.")
            return
        self.stdout.write(f"Sign in at {DEMO_URL} with one of these demo logins:")
        rows = [
            ("username", "role", "password"),
            *((user, role, DEMO_PASSWORD) for user, role in logins),
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip()
            )
