"""Every operation in the published OpenAPI schema keeps its promises against a live server.

Schemathesis loads /api/schema/ from pytest-django's live server at run time and runs one
sub-test per operation, so endpoints added later are exercised with no change here. Each
operation gets a bounded, derandomized set of generated requests; a 5xx or a response body
that does not match the schema fails it.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.choices import Role
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def auth_headers(transactional_db: None) -> dict[str, str]:
    """A token for a user holding every role, so no operation is refused for want of one."""
    user = UserFactory.create(username="contract", roles=list(Role), is_staff=True)
    token = Token.objects.create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def api_schema(live_server: LiveServer, auth_headers: dict[str, str]) -> Iterator[schemathesis.BaseSchema]:
    yield schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", headers=auth_headers, timeout=10
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_honours_schema(case: Case, auth_headers: dict[str, str]):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
