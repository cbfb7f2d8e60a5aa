from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Overtime rules, requests and decisions, time entries and weekly timesheets."""

    name = "staff"
    verbose_name = "Staff time"
