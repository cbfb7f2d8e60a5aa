"""Wall time of the whole forecast job (ledger read, engine, reorder plan, writes) on a database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/forecast_job_bench.py [--chunk-size 100] [--keep]

Runs one forecast in this process exactly as ``manage.py run_forecast`` does (the chunks one
after another, as a one-process worker pool would) and prints the parts, the weeks of history,
the seconds spent per phase over all chunks and the SQL queries. Everything runs in one
transaction that is rolled back at the end unless ``--keep``, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from forecasting.choices import ForecastTrigger  # noqa: E402
from forecasting.domain import engine  # noqa: E402
from forecasting.selectors import demand  # noqa: E402
from forecasting.services import runs  # noqa: E402

# Each phase is timed exclusive of the phases called inside it.
PHASES = [
    ("start and chunking", runs, "forecast_run_prepare"),
    ("demand read", demand, "demand_load"),
    ("pooled model fit", engine, "fit"),
    ("engine", runs, "_run_engine"),
    ("backtest scoring", runs, "_backtest"),
    ("stock position read", runs, "_planning_context"),
    ("rows written", runs, "_chunk_write"),
    ("quantiles and plan", runs, "_chunk_rows"),
]


class Rollback(Exception):
    pass


_nested: list[float] = []  # time spent in timed phases inside the one running now


def timed(seconds: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        _nested.append(0.0)
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            inner = _nested.pop()
            seconds[name] += elapsed - inner
            if _nested:
                _nested[-1] += elapsed

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunk-size", type=int, default=runs.DEFAULT_CHUNK_SIZE)
    parser.add_argument("--keep", action="store_true", help="Commit the run instead of rolling it back.")
    args = parser.parse_args()

    seconds: dict[str, float] = defaultdict(float)
    originals = [(module, attr, getattr(module, attr)) for _, module, attr in PHASES]
    for (name, module, attr), (_, _, original) in zip(PHASES, originals, strict=True):
        setattr(module, attr, timed(seconds, name, original))

    print(f"Database: {connection.settings_dict['NAME']} ({connection.vendor}); chunk size {args.chunk_size}")
    started = time.perf_counter()
    run = None
    try:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            run = runs.forecast_run_now(
                actor=None, trigger=ForecastTrigger.MANUAL, chunk_size=args.chunk_size
            )
            if not args.keep:
                raise Rollback
    except Rollback:
        pass
    finally:
        for module, attr, original in originals:
            setattr(module, attr, original)
    wall = time.perf_counter() - started
    assert run is not None
    print(
        f"Run {run.status}: {run.parts_done} of {run.part_count} parts, {run.error_count} with errors, "
        f"{run.parameters.get('history_weeks')} weeks of history, "
        f"horizon {run.parameters.get('horizon_weeks')} weeks"
    )
    for name, _, _ in PHASES:
        print(f"  {name:<22} {seconds[name]:7.2f}s")
    other = wall - sum(seconds.values())
    print(f"  {'other':<22} {other:7.2f}s")
    print(f"  {'wall':<22} {wall:7.2f}s   {len(queries)} SQL queries")
    print("Rolled back." if not args.keep else f"Kept as run {run.pk}.")


if __name__ == "__main__":
    main()
