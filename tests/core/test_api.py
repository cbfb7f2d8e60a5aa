import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from core.api.exceptions import exception_handler
from core.exceptions import ConflictError, DomainError
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ME_URL = reverse("api:me")
SCHEMA_URL = reverse("api:schema")
DOCS_URL = reverse("api:docs")


# Exception handler ----------------------------------------------------------------------------


def test_exception_handler_domain_error_returns_400_with_message():
    response = exception_handler(DomainError("This ticket is already closed."), {})

    assert response is not None
    assert response.status_code == 400
    assert response.data == {"detail": "This ticket is already closed."}


def test_exception_handler_domain_error_naming_a_field_returns_400_under_that_field():
    response = exception_handler(
        DomainError("Ticket 12 is not one of your open tickets.", field="tickets"), {}
    )

    assert response is not None
    assert response.status_code == 400
    assert response.data == {"tickets": ["Ticket 12 is not one of your open tickets."]}


def test_domain_error_field_defaults_to_none_and_message_is_its_text():
    plain, named = DomainError("No."), DomainError("Too long.", field="labour_minutes")

    assert (plain.field, str(plain)) == (None, "No.")
    assert (named.field, str(named)) == ("labour_minutes", "Too long.")


def test_exception_handler_conflict_error_returns_409():
    response = exception_handler(ConflictError("Someone else changed this ticket."), {})

    assert response is not None
    assert response.status_code == 409
    assert response.data == {"detail": "Someone else changed this ticket."}


def test_exception_handler_integrity_error_returns_409_without_database_detail():
    response = exception_handler(IntegrityError('violates check constraint "stocklevel_on_hand_gte_0"'), {})

    assert response is not None
    assert response.status_code == 409
    assert "stocklevel" not in str(response.data)


def test_exception_handler_django_permission_denied_returns_403():
    response = exception_handler(PermissionDenied(), {})

    assert response is not None
    assert response.status_code == 403


def test_exception_handler_django_validation_error_returns_400_with_field_errors():
    exc = DjangoValidationError({"serial": ["Not a valid Dell service tag."]})

    response = exception_handler(exc, {})

    assert response is not None
    assert response.status_code == 400
    assert response.data == {"serial": ["Not a valid Dell service tag."]}


def test_exception_handler_django_validation_error_without_field_returns_non_field_errors():
    response = exception_handler(DjangoValidationError("Dates overlap."), {})

    assert response is not None
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Dates overlap."]}


def test_exception_handler_unknown_error_is_left_to_django():
    assert exception_handler(ValueError("bug"), {}) is None


# /api/me/ -------------------------------------------------------------------------------------


def test_me_when_anonymous_is_refused(api_client: APIClient):
    response = api_client.get(ME_URL)

    assert response.status_code in (401, 403)


def test_me_with_session_returns_roles(api_client: APIClient, technician: User):
    api_client.force_login(technician)

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": technician.pk,
        "username": "technician",
        "full_name": "Terry Tech",
        "roles": [Role.TECHNICIAN],
    }


def test_me_with_token_returns_all_held_roles(token_api_client: Callable[[User], APIClient]):
    user = UserFactory.create(roles=[Role.SUPERVISOR, Role.TECHNICIAN])

    response = token_api_client(user).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["roles"] == ["supervisor", "technician"]


def test_me_with_unknown_token_is_refused(api_client: APIClient):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = api_client.get(ME_URL)

    # 403 rather than 401 because session authentication comes first and sends no challenge.
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_me_for_user_without_role_returns_403(api_client: APIClient, no_role_user: User):
    api_client.force_login(no_role_user)

    response = api_client.get(ME_URL)

    assert response.status_code == 403
    assert "no role" in response.json()["detail"]


def test_me_for_superuser_returns_every_role(api_client: APIClient, superuser: User):
    api_client.force_login(superuser)

    assert api_client.get(ME_URL).json()["roles"] == sorted(Role.values)


def test_create_api_token_command_prints_a_token_that_only_its_digest_is_stored_for(technician: User):
    out = io.StringIO()

    call_command("create_api_token", "technician", stdout=out, stderr=io.StringIO())

    key = out.getvalue().strip()
    token = AuthToken.objects.get(user=technician)
    assert token.digest == hash_token(key) != key
    assert token.expiry is not None


# Schema and docs ------------------------------------------------------------------------------


def test_schema_when_anonymous_is_refused(api_client: APIClient):
    assert api_client.get(SCHEMA_URL).status_code in (401, 403)


def test_schema_for_user_without_role_is_refused(api_client: APIClient, no_role_user: User):
    api_client.force_login(no_role_user)

    assert api_client.get(SCHEMA_URL).status_code == 403


def test_schema_for_authenticated_user_is_openapi_3_with_me(api_client: APIClient, technician: User):
    api_client.force_login(technician)

    response = api_client.get(SCHEMA_URL)

    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert "/api/me/" in document["paths"]
    assert {"cookieAuth", "tokenAuth"} <= set(document["components"]["securitySchemes"])


def test_schema_as_json_is_served_on_request(api_client: APIClient, technician: User):
    api_client.force_login(technician)

    response = api_client.get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "FleetDesk API"


def test_docs_when_anonymous_is_refused(client: Client):
    assert client.get(DOCS_URL).status_code in (401, 403)


def test_docs_use_local_swagger_files_and_no_cdn(client: Client, technician: User):
    client.force_login(technician)

    response = client.get(DOCS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"cdn|jsdelivr|unpkg", html, flags=re.IGNORECASE)
    static_paths = re.findall(r"/static/([^\"']+\.(?:js|css|png))", html)
    assert any(p.endswith("swagger-ui-bundle.js") for p in static_paths)
    for static_path in static_paths:
        assert finders.find(static_path), f"{static_path} is referenced but not in any static directory"


def test_openapi_schema_generates_without_warnings(tmp_path: Path) -> None:
    """Schema warnings fail ``check --deploy`` in CI; catch them here first."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "openapi: 3" in (tmp_path / "schema.yml").read_text()
