from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages around every app: the home page and the navigation bar."""

    name = "portal"
    verbose_name = "Portal"
