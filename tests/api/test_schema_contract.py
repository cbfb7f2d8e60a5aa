"""Every operation in the published OpenAPI schema keeps its promises.

The schema is the one ``/api/schema/`` serves (drf-spectacular's generator, read when this
module is collected), so endpoints added later are exercised with no change here. Requests go
through the project's WSGI application in-process: no live server, no HTTP, and each operation is
its own test inside the test's transaction, so pytest-xdist spreads them over the cores. Each
operation gets a bounded, derandomized set of generated requests; a 5xx or a response body that
does not match the schema fails it.
"""

import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.choices import Role
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance]


def _published_schema() -> schemathesis.BaseSchema:
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _published_schema()


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Requests run inside the test's transaction: as Django's test client does, stop the request
    signals from closing the database connection under it (PostgreSQL sets CONN_MAX_AGE)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers() -> dict[str, str]:
    """A token for a user holding every role, so no operation is refused for want of one."""
    user = UserFactory.create(username="contract", roles=list(Role), is_staff=True)
    _, key = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {key}"}


def test_served_schema_is_the_one_under_test(client, auth_headers: dict[str, str]):
    response = client.get("/api/schema/?format=json", headers=auth_headers)

    assert response.status_code == 200
    served = json.loads(response.content)
    assert sorted(served["paths"]) == sorted(schema.raw_schema["paths"])


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
