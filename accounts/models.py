"""People who sign in: their roles, their grade on the classification ladder and their profile."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.choices import Role
from core.models import TimeStampedModel, track_history


class UserQuerySet(models.QuerySet["User"]):
    def with_role(self, role: Role | str) -> UserQuerySet:
        return self.filter(groups__name=role)


class AccountUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


@track_history(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. Roles are Django groups named after :class:`Role`."""

    objects: ClassVar[AccountUserManager] = AccountUserManager()

    class Meta(AbstractUser.Meta):
        ordering = ["last_name", "first_name", "username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How a person is named on screen (``__str__``): the full name, else the username. For
        pages that read users as columns rather than instances."""
        return f"{first_name} {last_name}".strip() or username

    def has_role(self, role: Role | str) -> bool:
        if not self.is_active:
            return False
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return str(role) in cached


@track_history()
class StaffGrade(models.Model):
    """A step on the classification ladder (18 Intern, 20 ITSS I, 23 ITSS II, 25 ITSS III)."""

    grade = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=100)
    short_title = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["grade"]

    def __str__(self) -> str:
        return f"{self.grade} {self.title}"


@track_history()
class StaffProfile(TimeStampedModel):
    """Employment facts for a staff member: grade, supervisor, assigned schools, licence, pay."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    employee_id = models.CharField(max_length=20, unique=True)
    grade = models.ForeignKey(
        StaffGrade, on_delete=models.PROTECT, related_name="profiles", null=True, blank=True
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="team_profiles",
        null=True,
        blank=True,
    )
    locations = models.ManyToManyField("fleet.Location", related_name="staff_profiles", blank=True)
    licence_expires_on = models.DateField("driver's licence expiry", null=True, blank=True)
    hourly_rate = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="staffprofile_hourly_rate_gte_0"),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("user")), name="staffprofile_not_own_supervisor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.employee_id})"
