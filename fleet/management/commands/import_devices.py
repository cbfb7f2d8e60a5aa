"""python manage.py import_devices FILE [--format auto|gam|admin-console|csv] [--dry-run] [--valid-only]
[--location CODE]: the importer from the command line; exits non-zero when anything is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DomainError
from fleet.services import importing

# Above this many problems only the first ones print, unless --verbosity 2.
ISSUES_PRINTED = 200


class Command(BaseCommand):
    help = "Import devices from GAM 'print cros' output, a Google Admin console export or a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", default=importing.ImportFormat.AUTO, choices=importing.ImportFormat.values
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument(
            "--valid-only", action="store_true", help="Import the valid rows and skip the bad ones."
        )
        parser.add_argument(
            "--location", default="", metavar="CODE", help="Location for new devices naming none we know."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            report = importing.devices_import(
                data=data,
                actor=None,
                file_format=options["format"],
                dry_run=options["dry_run"],
                valid_only=options["valid_only"],
                default_location=options["location"],
                source=path.name,
            )
        except importing.ImportRejected as exc:
            self._print(exc.report, verbose=options["verbosity"] > 1)
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report, verbose=options["verbosity"] > 1)
        if report.dry_run and report.refused:
            raise CommandError(f"{report.error_rows} rows have problems: the import would be refused.")

    def _print(self, report: importing.ImportReport, *, verbose: bool) -> None:
        if report.written:
            verb = "Imported"
        elif report.dry_run:
            verb = "Dry run, nothing written"
        else:
            verb = "Refused, nothing written"
        self.stdout.write(f"{verb}: {report.source} read as {report.format_label}, {report.rows} rows.")
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rows with errors {report.error_rows}"
        )
        for title, issues, style in (
            ("Errors", report.errors, self.style.ERROR),
            ("Notes", report.notices, self.style.WARNING),
        ):
            if not issues:
                continue
            self.stdout.write(style(f"{title} ({len(issues)}):"))
            shown = issues if verbose else issues[:ISSUES_PRINTED]
            for issue in shown:
                who = issue.asset_tag or issue.serial or "-"
                detail = f": {issue.detail}" if issue.detail else ""
                self.stdout.write(f"  row {issue.row} {who}: {issue.reason}{detail}")
            if len(shown) < len(issues):
                self.stdout.write(f"  ... and {len(issues) - len(shown)} more (--verbosity 2 lists all)")
