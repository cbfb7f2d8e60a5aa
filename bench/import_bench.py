"""Time ``import_devices`` on a generated 250,000-row GAM file against an existing PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/import_bench.py [--rows 250000] [--keep-file PATH] [--no-cleanup] \\
        [--memory-rows 1000000] [--only-first]

Each phase is set beside a raw ``COPY`` of the same file into a temporary table of text columns
(the floor: parsing and checking nothing), as a ratio. ``--memory-rows N`` first runs the first
import of an N-row file in a child process (``--only-first``) and reports that process's peak
resident memory: ``getrusage`` and ``/proc``'s VmHWM. It runs before anything else because Linux
carries the forked copy's peak (the parent's size at that moment) into the child's ``getrusage``
figure; VmHWM counts only the child's own program. Figures: ``bench/README.md``.

The file looks like ``gam print cros`` output for the district's ChromeOS devices: valid serials
for each manufacturer, models from the database named the way Google names them (the model's
full name where a Google name and AUE date would still be ambiguous), schools' org units and
annotated locations, student IDs, RFC 3339 timestamps. Asset tags start with ``BENCH-`` and
serials with a prefix no stored serial of that manufacturer has, so every row is a new device.

Phases: a dry run (what the browser preview costs), the first import (250,000 devices and
custody events created), the same file again (must change nothing), then a cleanup that deletes
exactly the devices and events the benchmark created, leaving the database as it was (apart
from sequence values and dead tuples for autovacuum). Nothing else in the database is touched.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from fleet.choices import DeviceType, LocationKind  # noqa: E402
from fleet.models import CustodyEvent, Device, DeviceModel, Location, Manufacturer  # noqa: E402
from fleet.services.importing.matching import ModelIndex, short_key  # noqa: E402

TAG_PREFIX = "BENCH-"
SERIAL_PREFIX = "Z"
HEADER = [
    "deviceId",
    "serialNumber",
    "annotatedAssetId",
    "annotatedUser",
    "annotatedLocation",
    "notes",
    "orgUnitPath",
    "status",
    "lastSync",
    "model",
    "osVersion",
    "platformVersion",
    "autoUpdateThrough",
    "macAddress",
    "firstEnrollmentTime",
    "lastEnrollmentTime",
    "bootMode",
]
BANDS = {LocationKind.ELEMENTARY: "Elementary", LocationKind.MIDDLE: "Middle", LocationKind.HIGH: "High"}
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, digit = divmod(n, 36)
        digits.append(BASE36[digit])
    if n:
        raise ValueError("number too large for the width")
    return "".join(reversed(digits))


def _serial_maker(prefix: str, *, acer: bool, width: int) -> Callable[[int], str]:
    def serial(n: int) -> str:
        return f"{prefix}512{n:05X}ZQ01" if acer else prefix + base36(n, width)

    return serial


def serial_makers() -> dict[str, Callable[[int], str]]:
    """A serial generator per manufacturer, under a prefix none of its stored serials has.

    Lenovo S/N: 8 alphanumerics. Dell service tag: 7. Acer FG S/N: part number, year digit,
    ISO week, hex sequence, maker code, version (22 characters).
    """
    widths = {"Lenovo": 5, "Dell": 4}
    makers: dict[str, Callable[[int], str]] = {}
    for maker in Manufacturer.objects.filter(name__in=["Lenovo", "Dell", "Acer"]):
        for attempt in range(36**2):
            prefix = SERIAL_PREFIX + base36(attempt, 2)
            if maker.name == "Acer":
                prefix += "BENCH00"
            if not Device.objects.filter(manufacturer=maker, serial__startswith=prefix).exists():
                break
        else:
            raise SystemExit(f"no free serial prefix for {maker}")
        makers[maker.name] = _serial_maker(prefix, acer=maker.name == "Acer", width=widths.get(maker.name, 0))
    return makers


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def school_labels() -> list[tuple[str, str]]:
    """(annotated location, org unit path) for each school, as the district writes them in Google."""
    labels = []
    for location in Location.objects.filter(kind__in=BANDS).order_by("code"):
        short = location.name
        for long, abbreviation in (
            ("Elementary School", "ES"),
            ("Middle School", "MS"),
            ("High School", "HS"),
        ):
            short = short.replace(long, abbreviation)
        assert short_key(short) == short_key(location.name)
        labels.append((short, f"/Students/{BANDS[LocationKind(location.kind)]}/{short}"))
    return labels


def model_labels() -> list[tuple[DeviceModel, str]]:
    """Each ChromeOS model with the name a GAM row gives it: Google's when that is unambiguous."""
    models = list(
        DeviceModel.objects.filter(device_type=DeviceType.CHROMEBOOK).select_related("manufacturer")
    )
    index = ModelIndex(DeviceModel.objects.all())
    labels = []
    for model in models:
        label = model.name
        for name in model.google_names.splitlines():
            if index.match(name, manufacturer=None, aue=model.aue_date).model == model:
                label = name
                break
        labels.append((model, label))
    return labels


def write_file(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    schools = school_labels()
    models = model_labels()
    serials = serial_makers()
    counters = dict.fromkeys(serials, 0)
    by_maker: dict[str, int] = {}
    now = dt.datetime(2025, 3, 11, 13, 0, tzinfo=dt.UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            model, label = models[n % len(models)]
            maker = model.manufacturer.name
            serial = serials[maker](counters[maker])
            counters[maker] += 1
            by_maker[maker] = by_maker.get(maker, 0) + 1
            location, org_unit = schools[rng.randrange(len(schools))]
            enrolled = now - dt.timedelta(days=rng.randrange(200, 2000))
            assert model.aue_date is not None
            writer.writerow(
                [
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    serial,
                    f"{TAG_PREFIX}{n:07d}",
                    f"s{rng.randrange(1_000_000, 9_999_999)}@students.example.org"
                    if rng.random() < 0.8
                    else "",
                    f"{location} / Cart {rng.randrange(1, 12)}",
                    "",
                    org_unit,
                    "ACTIVE" if rng.random() < 0.95 else "DISABLED",
                    rfc3339(now - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))),
                    label,
                    "133.0.6943.137",
                    "16151.61.0",
                    rfc3339(dt.datetime.combine(model.aue_date, dt.time(), tzinfo=dt.UTC)),
                    f"{rng.getrandbits(48):012X}",
                    rfc3339(enrolled),
                    rfc3339(enrolled),
                    "Verified",
                ]
            )
    return by_maker


def bench_devices() -> Any:
    return Device.objects.filter(asset_tag__startswith=TAG_PREFIX)


def cleanup() -> tuple[int, int]:
    """Delete the benchmark's devices and their custody events, and nothing else."""
    devices, events = Device._meta.db_table, CustodyEvent._meta.db_table
    pattern = [f"{TAG_PREFIX}%"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {events} WHERE device_id IN (SELECT id FROM {devices} WHERE asset_tag LIKE %s)",
            pattern,
        )
        deleted_events = cursor.rowcount
        cursor.execute(f"DELETE FROM {devices} WHERE asset_tag LIKE %s", pattern)
        return cursor.rowcount, deleted_events


@contextmanager
def counted_queries() -> Iterator[list[int]]:
    count = [0]

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def timed_import(path: Path, *options: str) -> tuple[float, int, str]:
    out = io.StringIO()
    with counted_queries() as queries:
        start = time.perf_counter()
        call_command("import_devices", str(path), *options, stdout=out)
        seconds = time.perf_counter() - start
    summary = next(line for line in out.getvalue().splitlines() if line.startswith("created "))
    return seconds, queries[0], summary


def raw_copy(path: Path) -> float:
    """Seconds to COPY the file as it is into a temporary table of text columns, then roll back."""
    columns = ", ".join(f'"{name}" text' for name in HEADER)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_raw_copy ({columns}) ON COMMIT DROP")
        start = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            cursor.cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def peak_memory() -> str:
    """Peak resident memory: getrusage's, and /proc's VmHWM (this program's own since exec)."""
    peak = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB (getrusage)"
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak += f", {int(line.split()[1]) / 1024:,.0f} MB (VmHWM)"
    return peak


def child_peak(rows: int) -> str:
    """The first import of a ``rows``-row file in a child process: its output's memory line."""
    command = [sys.executable, __file__, "--rows", str(rows), "--only-first"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    if result.returncode:
        return f"child failed ({result.returncode}): {result.stderr.strip().splitlines()[-1:]}"
    return " | ".join(line for line in lines if line.startswith(("first import", "peak memory")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--keep-file", type=Path, help="Write the generated file here and keep it.")
    parser.add_argument("--no-cleanup", action="store_true", help="Leave the imported devices in place.")
    parser.add_argument("--only-first", action="store_true", help="Only the first import.")
    parser.add_argument(
        "--memory-rows", type=int, default=0, help="Also measure the peak memory of importing this many rows."
    )
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    if args.memory_rows:
        # First, while this process is small: Linux carries the peak of the forked copy of this
        # process into the child's getrusage figure (VmHWM, the child's own, does not).
        print(f"{args.memory_rows:,} rows in a child process: {child_peak(args.memory_rows)}")
    print(f"database: {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}")
    leftovers = bench_devices().count()
    if leftovers:
        print(f"removing {leftovers} devices left by an earlier interrupted run")
        cleanup()
    before_devices, before_events = Device.objects.count(), CustodyEvent.objects.count()
    print(f"before: {before_devices:,} devices, {before_events:,} custody events")

    directory = tempfile.TemporaryDirectory()
    path = args.keep_file or Path(directory.name) / "gam_print_cros_bench.csv"
    start = time.perf_counter()
    by_maker = write_file(path, args.rows)
    print(
        f"generated {args.rows:,} GAM rows ({path.stat().st_size / 1e6:.1f} MB, "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(by_maker.items()))}) "
        f"in {time.perf_counter() - start:.1f} s"
    )

    copy_seconds = raw_copy(path)
    print(f"{'raw COPY of the file':<24} {copy_seconds:7.2f} s  {args.rows / copy_seconds:9,.0f} rows/s")
    phases: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("dry run (preview)", ("--dry-run",)),
        ("first import, all new", ()),
        ("re-import, same file", ()),
    )
    if args.only_first:
        phases = phases[1:2]
    try:
        for label, options in phases:
            seconds, queries, summary = timed_import(path, *options)
            print(
                f"{label:<24} {seconds:7.1f} s  {args.rows / seconds:9,.0f} rows/s  "
                f"{seconds / copy_seconds:5.1f}x COPY  {queries:5,} queries  {summary}"
            )
        created = bench_devices().count()
        events = CustodyEvent.objects.filter(device__asset_tag__startswith=TAG_PREFIX).count()
        print(f"after: {created:,} benchmark devices, {events:,} of their custody events")
    finally:
        if args.no_cleanup:
            print("cleanup skipped (--no-cleanup)")
        else:
            start = time.perf_counter()
            devices, events = cleanup()
            seconds = time.perf_counter() - start
            print(f"cleanup: deleted {devices:,} devices and {events:,} events in {seconds:.1f} s")
            after = (Device.objects.count(), CustodyEvent.objects.count())
            same = after == (before_devices, before_events)
            print(f"after cleanup: {after[0]:,} devices, {after[1]:,} custody events (as before: {same})")
        directory.cleanup()
    print(f"peak memory of this process: {peak_memory()}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
