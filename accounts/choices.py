from django.db import models


class Role(models.TextChoices):
    """Roles are Django groups of these names; a person may hold several."""

    TECHNICIAN = "technician", "Technician"
    SUPERVISOR = "supervisor", "Supervisor"
    PROCUREMENT = "procurement", "Procurement"
    SCHOOL_ADMIN = "school_admin", "School administrator"
    ADMIN = "admin", "Administrator"
