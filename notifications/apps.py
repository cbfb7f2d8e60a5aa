from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Reminders by email: overdue loaners, devices not back after collection, overtime waiting for
    a decision, parts at their reorder point; each switchable per person, immediate or weekly."""

    name = "notifications"
    verbose_name = "Notifications"
