from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The deterministic demo district (``manage.py seed_demo``): above every other app."""

    name = "demo"
    verbose_name = "Demo district"
