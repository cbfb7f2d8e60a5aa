"""Reference data every installation needs: the role groups, the grade ladder and today's rules."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

ROLES = ["technician", "supervisor", "procurement", "school_admin", "admin"]
GRADES = [
    (18, "ITSS Intern", "Intern"),
    (20, "IT Systems Specialist I", "ITSS I"),
    (23, "IT Systems Specialist II", "ITSS II"),
    (25, "IT Systems Specialist III", "ITSS III"),
]
# The class description (code 5160): grades 18-20 eligible with prior approval; 23-25 not.
RULES_FROM = dt.date(2020, 7, 1)


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    StaffGrade = apps.get_model("accounts", "StaffGrade")
    OvertimeRule = apps.get_model("accounts", "OvertimeRule")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for grade, title, short in GRADES:
        StaffGrade.objects.update_or_create(grade=grade, defaults={"title": title, "short_title": short})
    common = {
        "multiplier": Decimal("1.50"),
        "weekly_threshold_hours": Decimal("40.00"),
        "workweek_start": 6,
        "comp_time_rate": Decimal("1.50"),
        "comp_time_cap_hours": Decimal("240.00"),
    }
    OvertimeRule.objects.get_or_create(
        effective_from=RULES_FROM,
        grade_min=18,
        grade_max=20,
        defaults={
            **common,
            "eligible": True,
            "prior_approval_required": True,
            "comp_time_allowed": True,
            "notes": "Class description 5160: Intern and ITSS I eligible with prior approval.",
        },
    )
    OvertimeRule.objects.get_or_create(
        effective_from=RULES_FROM,
        grade_min=21,
        grade_max=25,
        defaults={
            **common,
            "eligible": False,
            "prior_approval_required": True,
            "comp_time_allowed": False,
            "notes": "Class description 5160: ITSS II and III not eligible (under review).",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
