"""python manage.py import_devices FILE [--format auto|gam|admin-console|csv] [--dry-run] [--valid-only]
[--location CODE] [--map-location 'TEXT=CODE'] [--map-model 'NAME=MODEL']: the importer from the
command line; exits non-zero when anything is refused. The ``--map-*`` answers to the questions a
refused import prints are saved (before importing) and every later import reuses them.

The import runs in this process (no job row: the import history lists browser and API jobs)
and reports its phase and rows done of total on stderr: one updating line on a terminal, else a
line every 5% or 2 seconds. Files over DEVICE_IMPORT_MAX_BYTES or DEVICE_IMPORT_MAX_ROWS are
refused."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from core.exceptions import DomainError
from fleet.choices import ImportMappingKind
from fleet.services import importing
from fleet.services.importing import uploads
from fleet.services.importing.progress import WRITING, Progress

# Above this many problems only the first ones print, unless --verbosity 2.
ISSUES_PRINTED = 200


class ConsoleProgress(Progress):
    """Phase and rows done of total on ``stream``: on a terminal one line rewritten at most every
    0.2 s; otherwise (a log) a new line each time another 5% is through or 2 s have passed, and
    always at the end of a phase."""

    def __init__(self, stream: OutputWrapper, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.tty = stream.isatty()
        self.last_time = -1e9
        self.last_step = -1
        self.phase = ""

    def update(self, *, phase: str, done: int, total: int) -> None:
        now = self.clock()
        percent = done * 100 // total if total else 100
        step = percent // 5
        new_phase = phase != self.phase
        finished = done >= total
        tty_due = now - self.last_time >= 0.2
        log_due = step > self.last_step or now - self.last_time >= 2
        due = tty_due if self.tty else log_due
        if not (due or new_phase or finished):
            return
        if new_phase and self.phase and self.tty:
            self.stream.write("")
        self.phase, self.last_time, self.last_step = phase, now, step
        verb = "written" if phase == WRITING else "checked"
        line = f"{phase.capitalize()}: {done:,} of {total:,} rows {verb} ({percent}%)"
        if self.tty:
            self.stream.write(f"\r{line}", ending="\n" if finished and phase == WRITING else "")
        else:
            self.stream.write(line)
        self.stream.flush()


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
        parser.add_argument(
            "--map-location",
            action="append",
            default=[],
            metavar="TEXT=CODE",
            help="Remember that this org unit or annotated location is the location CODE (repeatable).",
        )
        parser.add_argument(
            "--map-model",
            action="append",
            default=[],
            metavar="NAME=MODEL",
            help="Remember that this Google model name is the catalogue model MODEL (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            size = path.stat().st_size
            with path.open("rb"):  # the import streams the file from its path
                pass
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            uploads.upload_check_size(size=size)
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        answers = [
            *self._answers(ImportMappingKind.LOCATION, options["map_location"], "--map-location"),
            *self._answers(ImportMappingKind.MODEL, options["map_model"], "--map-model"),
        ]
        try:
            if answers:
                importing.import_mappings_answer(answers=answers, actor=None)
            report = importing.devices_import(
                data=path,
                actor=None,
                file_format=options["format"],
                dry_run=options["dry_run"],
                valid_only=options["valid_only"],
                default_location=options["location"],
                source=path.name,
                progress=ConsoleProgress(self.stderr),
            )
        except importing.ImportRejected as exc:
            self._print(exc.report, verbose=options["verbosity"] > 1)
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report, verbose=options["verbosity"] > 1)
        if report.dry_run and report.refused:
            raise CommandError(f"{report.error_rows} rows have problems: the import would be refused.")

    def _answers(self, kind: str, values: list[str], option: str) -> list[importing.MappingAnswer]:
        answers = []
        for value in values:
            key, sep, target = value.rpartition("=")
            if not sep or not key.strip() or not target.strip():
                raise CommandError(f"{option} takes TEXT=TARGET, not {value!r}.")
            answers.append(importing.MappingAnswer(kind=kind, key=key.strip(), target=target.strip()))
        return answers

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
        for title, issues, total, style in (
            ("Errors", report.errors, report.errors_total, self.style.ERROR),
            ("Notes", report.notices, report.notices_total, self.style.WARNING),
        ):
            if not issues:
                continue
            self.stdout.write(style(f"{title} ({total}):"))
            shown = issues if verbose else issues[:ISSUES_PRINTED]
            for issue in shown:
                who = issue.asset_tag or issue.serial or "-"
                detail = f": {issue.detail}" if issue.detail else ""
                self.stdout.write(f"  row {issue.row} {who}: {issue.reason}{detail}")
            if len(shown) < total:
                hint = "" if verbose else " (--verbosity 2 lists up to 1,000 of each kind)"
                self.stdout.write(f"  ... and {total - len(shown)} more{hint}")
        if report.questions:
            self.stdout.write(
                self.style.WARNING(f"Questions ({len(report.questions)}), answered once for good:")
            )
            for question in report.questions:
                rows = f"{question.rows} row{'s' if question.rows != 1 else ''}"
                if question.kind == ImportMappingKind.LOCATION:
                    org_unit = f"org unit {question.org_unit_path}, " if question.org_unit_path else ""
                    self.stdout.write(
                        f"  place {question.text!r} ({org_unit}{rows}): "
                        f"--map-location {shlex.quote(question.text + '=CODE')}"
                    )
                else:
                    answer = shlex.quote(f"{question.text}=MODEL NAME")
                    self.stdout.write(f"  model {question.text!r} ({rows}): --map-model {answer}")
