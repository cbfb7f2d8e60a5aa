"""What only PostgreSQL can show: indexes with operator classes and the plans that use them."""

import pytest
from django.db import connection

from fleet.models import Device
from tests.fleet.factories import DeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _index_definitions(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("column", ["asset_tag", "serial"])
def test_device_prefix_search_columns_have_exactly_one_pattern_ops_index(column: str):
    definitions = _index_definitions(Device._meta.db_table)

    matching = [d for d in definitions if f"({column} varchar_pattern_ops)" in d]
    assert len(matching) == 1, definitions


def test_device_asset_tag_prefix_search_uses_an_index():
    template = DeviceFactory.create()
    # 2,000 tags spread over 100 prefixes, so "CB-01" selects 1% of the table.
    Device.objects.bulk_create(
        Device(
            asset_tag=f"CB-{i % 100:02d}{i:05d}",
            serial=f"SN{i:06d}",
            manufacturer=template.manufacturer,
            model=template.model,
            location=template.location,
        )
        for i in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Device._meta.db_table}")

    plan = Device.objects.filter(asset_tag__startswith="CB-01").explain()

    assert "Index" in plan and "Seq Scan" not in plan, plan
    assert Device.objects.filter(asset_tag__startswith="CB-01").count() == 20
