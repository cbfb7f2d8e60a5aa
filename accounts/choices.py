from django.db import models


class Role(models.TextChoices):
    """Roles are Django groups of these names; a person may hold several."""

    TECHNICIAN = "technician", "Technician"
    SUPERVISOR = "supervisor", "Supervisor"
    PROCUREMENT = "procurement", "Procurement"
    SCHOOL_ADMIN = "school_admin", "School administrator"
    ADMIN = "admin", "Administrator"


class LockoutKind(models.TextChoices):
    """What a sign-in lockout holds: a username, or an address trying many usernames."""

    USERNAME = "username", "Username"
    ADDRESS = "ip_address", "Address"
