import pytest
from django.db import IntegrityError, transaction

from tests.accounts.factories import StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_profile_with_self_as_supervisor_raises_integrity_error():
    user = UserFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfileFactory.create(user=user, supervisor=user)


def test_staff_profile_with_other_supervisor_is_saved():
    boss = UserFactory.create()

    profile = StaffProfileFactory.create(supervisor=boss)

    assert profile.supervisor == boss
    assert list(boss.team_profiles.all()) == [profile]


def test_user_str_prefers_full_name_over_username():
    assert str(UserFactory.create(username="jdoe", first_name="Jo", last_name="Doe")) == "Jo Doe"
    assert str(UserFactory.create(username="jdoe2", first_name="", last_name="")) == "jdoe2"
