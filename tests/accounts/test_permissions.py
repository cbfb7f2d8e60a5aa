import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import permissions
from accounts.choices import Role
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_can_use_api_with_any_role_is_true(technician: User, school_admin: User):
    assert permissions.can_use_api(technician)
    assert permissions.can_use_api(school_admin)


def test_can_use_api_without_role_is_false(no_role_user: User):
    assert not permissions.can_use_api(no_role_user)


def test_can_use_api_for_anonymous_is_false():
    assert not permissions.can_use_api(AnonymousUser())


def test_has_any_role_for_inactive_user_is_false(technician: User):
    technician.is_active = False

    assert not permissions.has_any_role(technician, Role.TECHNICIAN)


def test_has_any_role_for_superuser_is_true(superuser: User):
    assert permissions.has_any_role(superuser, Role.PROCUREMENT)
