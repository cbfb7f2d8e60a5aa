"""Time the asset label layouts at the most one request prints (3,000 labels) on every stock.

    .venv/bin/python bench/labels_bench.py [--labels 3000]

Pure layout (fleet.domain.labels): no database, no HTTP. Prints wall and CPU time and the file's
size per output; on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fleet.domain import labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=labels.MAX_LABELS)
    count = parser.parse_args().labels
    records = [
        labels.LabelRecord(tag=f"CB-{n:07d}", district="Montgomery County Public Schools", model="100e Gen 3")
        for n in range(count)
    ]
    sys.stdout.write(f"{'output':<12} {'labels':>7} {'wall s':>7} {'cpu s':>7} {'size KiB':>9}\n")
    for output in [*labels.STOCKS, labels.ZPL]:
        wall, cpu = time.perf_counter(), time.process_time()
        printed = labels.label_file(records, output=output)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = len(printed.content) / 1024
        sys.stdout.write(f"{output:<12} {count:>7} {wall:>7.2f} {cpu:>7.2f} {size:>9.0f}\n")


if __name__ == "__main__":
    main()
