"""A small district whose readiness from Google's data is known (tests/fleet/test_reports.py)."""

from __future__ import annotations

import datetime as dt

from fleet.choices import DeviceStatus, LocationKind
from fleet.models import Location
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory


def readiness_district() -> dict[str, Location]:
    """Two schools and a depot; the newest milestone in the district is 134 (a depot device)."""
    east, west = LocationFactory.create(name="Eastside ES"), LocationFactory.create(name="Westside MS")
    depot = LocationFactory.create(name="Depot", kind=LocationKind.DEPOT)
    june = DeviceModelFactory.create(aue_month=dt.date(2026, 6, 1))
    feb = DeviceModelFactory.create(aue_month=dt.date(2026, 2, 1))
    recent = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)

    def device(tag: str, location: Location, **fields: object) -> None:
        values = {"model": june, "os_version": "133.0.6943.137", "boot_mode": "verified", "last_sync": recent}
        DeviceFactory.create(asset_tag=tag, location=location, **(values | fields))

    device("E1", east)  # ready
    device("E2", east, os_version="130.0.6723.126")  # three behind 134
    device("E3", east, os_version="131.0.6778.242")  # three behind 134
    device("E4", east, boot_mode="dev", last_sync=dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC))
    device("E5", east, last_sync=dt.datetime(2026, 2, 13, 10, 0, tzinfo=dt.UTC))  # 30 days, not more
    device("E6", east, os_version="120.0.1", boot_mode="dev", status=DeviceStatus.RETIRED)  # not active
    device("W1", west, model=feb, os_version="126.0.6478.222", last_sync=None)  # behind and past AUE
    device("W2", west, os_version="", boot_mode="", last_sync=None)  # a laptop Google never saw
    device("D1", depot, os_version="134.0.6998.1")  # the newest; the depot is not a school
    return {"east": east, "west": west, "depot": depot}
