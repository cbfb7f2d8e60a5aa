"""Time the Google sync's own share of a district sync: reading 250,000 devices from
``chromeosdevices.list`` (300 a page, FULL-sized resources) and writing them as a GAM file.

    .venv/bin/python bench/google_sync_bench.py [--devices 250000]

Google is stood in for by an HTTP object that generates each page on demand (the same JSON
shape as tests/fleet/google_responses/), so the figures are the client's parsing and the
conversion to GAM rows, not the network. The import of the resulting file is the device import's
(``bench/import_bench.py``); nothing touches the database. Prints wall time, pages, the file's
size and the peak of memory allocated by Python while the sync ran (tracemalloc, which itself
slows the run). On a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import httplib2  # noqa: E402

from fleet.services import google_sync  # noqa: E402

SAMPLE = json.loads((BASE_DIR / "tests/fleet/google_responses/chromeosdevices_page1.json").read_text())
DEVICE = SAMPLE["chromeosdevices"][0]


class GeneratedGoogle:
    """Answers chromeosdevices.list pages of ``PAGE_SIZE`` devices until ``total`` are sent."""

    def __init__(self, total: int) -> None:
        self.total = total

    def request(self, uri: str, method: str = "GET", **kwargs: Any) -> tuple[httplib2.Response, bytes]:
        token = parse_qs(urlsplit(uri).query).get("pageToken", ["0"])[0]
        start = int(token)
        end = min(start + google_sync.PAGE_SIZE, self.total)
        devices = [
            DEVICE
            | {
                "deviceId": f"bench-{i:08d}",
                "serialNumber": f"PF{i:08d}",
                "annotatedAssetId": f"BENCH-{i:07d}",
            }
            for i in range(start, end)
        ]
        body: dict[str, Any] = {"kind": "admin#directory#chromeosdevices", "chromeosdevices": devices}
        if end < self.total:
            body["nextPageToken"] = str(end)
        return httplib2.Response({"status": "200", "content-type": "application/json"}), json.dumps(
            body
        ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=250_000)
    args = parser.parse_args()
    client = google_sync.directory_client(
        config=google_sync.google_sync_config(), http=GeneratedGoogle(args.devices)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chromeosdevices.csv"
        tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        fetched = google_sync.chromeos_devices_fetch(client=client, customer_id="my_customer", path=path)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = path.stat().st_size
    sys.stdout.write(
        f"devices {fetched.devices:,} pages {fetched.pages:,} in {elapsed:.1f} s wall, {cpu:.1f} s CPU "
        f"({fetched.devices / cpu:,.0f} devices per CPU second, generating the pages included); "
        f"GAM file {size / 1e6:.1f} MB; "
        f"peak Python memory {peak / 1e6:.1f} MB\n"
    )


if __name__ == "__main__":
    main()
