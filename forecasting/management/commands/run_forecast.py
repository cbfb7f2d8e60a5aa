"""``manage.py run_forecast [--chunk-size N]``: run the parts forecast now, in this process."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.services import runs


class Command(BaseCommand):
    help = (
        "Run the parts forecast in the foreground (no Celery worker needed) as a run on request, "
        "with progress, and print a summary. Exits non-zero when the run fails."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help=f"Parts per chunk (default: FORECAST_CHUNK_SIZE, {runs.DEFAULT_CHUNK_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chunk_size = options["chunk_size"]
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r {done}/{total} parts", ending="")
            self.stdout.flush()

        try:
            run = runs.forecast_run_now(
                actor=None, trigger=ForecastTrigger.MANUAL, chunk_size=chunk_size, progress=progress
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # the run is already marked failed; say why and exit non-zero
            self.stdout.write("")
            raise CommandError(f"Forecast run failed: {exc}") from exc
        self.stdout.write("")
        seconds = time.perf_counter() - started
        summary = (
            f"Forecast run {run.pk} {run.get_status_display().lower()}: {run.parts_done} of "
            f"{run.part_count} parts, {run.error_count} with errors, {seconds:.1f}s."
        )
        if run.status != ForecastRunStatus.SUCCEEDED:
            raise CommandError(f"{summary} {run.error_message}".strip())
        self.stdout.write(self.style.SUCCESS(summary))
