"""python manage.py import_roster PATH [--dry-run] [--valid-only] [--map-school 'KEY=CODE']: import
students from a OneRoster 1.1 or 1.2 CSV export, a zip or a folder holding orgs.csv, users.csv,
enrollments.csv (and roles.csv). Exits non-zero when anything is refused. ``--map-school`` answers
the question an unmatched roster school prints (KEY is its identifier or sourcedId, CODE a
location code), saved before importing and reused by every later import.

The import runs in this process (no job row) and prints its progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DomainError
from fleet.management.commands.import_devices import ConsoleProgress
from students.domain import oneroster
from students.services import roster
from students.services.roster import RosterRejected, RosterReport

ISSUES_PRINTED = 200


class Command(BaseCommand):
    help = "Import students from a OneRoster CSV export (a zip, or a folder of CSV files)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--valid-only", action="store_true", help="Import the valid rows, skip the bad.")
        parser.add_argument(
            "--map-school",
            action="append",
            default=[],
            metavar="KEY=CODE",
            help="Remember that the roster school KEY (identifier or sourcedId) is location CODE.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            bundle = roster.roster_bundle(files=self._files(path))
            for answer in options["map_school"]:
                key, sep, code = answer.partition("=")
                if not sep:
                    raise CommandError(f"--map-school {answer!r}: write it as KEY=CODE.")
                roster.roster_school_map(actor=None, org_key=key, location_code=code)
            if options["dry_run"]:
                report = roster.roster_preview(data=bundle, actor=None)
            else:
                progress = ConsoleProgress(self.stderr)
                report = roster.roster_import(
                    data=bundle, actor=None, valid_only=options["valid_only"], progress=progress
                )
        except RosterRejected as exc:
            self._print_report(exc.report, verbosity=options["verbosity"])
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        self._print_report(report, verbosity=options["verbosity"])
        verb = "Would change" if options["dry_run"] else "Changed"
        self.stdout.write(
            f"{verb} {report.changed:,}: {report.created:,} created, {report.updated:,} updated "
            f"({report.deactivated:,} made inactive), {report.unchanged:,} unchanged; "
            f"{report.staff:,} staff not kept; OneRoster {report.version}."
        )
        if report.errors and not options["valid_only"]:
            raise CommandError(f"{report.error_rows:,} rows with problems.")

    def _files(self, path: Path) -> list[tuple[str, bytes]]:
        try:
            if path.is_dir():
                return [
                    (child.name, child.read_bytes())
                    for child in sorted(path.iterdir())
                    if child.name.lower() in oneroster.KNOWN_FILES
                ]
            return [(path.name, path.read_bytes())]
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc

    def _print_report(self, report: RosterReport, *, verbosity: int) -> None:
        for org in report.questions:
            key = org.identifier or org.sourced_id
            self.stderr.write(
                f"Question: which location is the school “{org.name}”? Answer with --map-school '{key}=CODE'."
            )
        shown = report.errors if verbosity > 1 else report.errors[:ISSUES_PRINTED]
        for issue in shown:
            self.stderr.write(f"{issue.file} line {issue.line}, {issue.field}: {issue.message}")
        if len(report.errors) > len(shown):
            self.stderr.write(
                f"… and {len(report.errors) - len(shown):,} more (--verbosity 2 prints them all)."
            )
