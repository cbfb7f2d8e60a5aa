"""Agreement versions and the drawn signature's checks."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.exceptions import DomainError
from students.services import agreements
from tests.students.factories import AgreementFactory, HandoutFactory
from tests.students.handout_support import signature_png

pytestmark = pytest.mark.django_db


def test_agreement_create_adds_the_next_version_and_it_becomes_current(supervisor: User):
    first = AgreementFactory.create(version=3)

    new = agreements.agreement_create(actor=supervisor, title=" 2027 agreement ", body="Take care of it.")

    assert (new.version, new.title, new.created_by) == (4, "2027 agreement", supervisor)
    assert agreements.agreement_current() == new
    first.refresh_from_db()
    assert first.body == "I will take care of the Chromebook lent to me and bring it back when asked."


def test_agreement_current_skips_withdrawn_versions():
    kept = AgreementFactory.create(version=1)
    AgreementFactory.create(version=2, is_active=False)

    assert agreements.agreement_current() == kept


def test_agreement_current_with_none_is_none():
    assert agreements.agreement_current() is None


@pytest.mark.parametrize(("title", "body", "field"), [("", "Text", "title"), ("Title", "  ", "body")])
def test_agreement_create_with_empty_part_raises_naming_it(
    supervisor: User, title: str, body: str, field: str
):
    with pytest.raises(DomainError) as caught:
        agreements.agreement_create(actor=supervisor, title=title, body=body)
    assert caught.value.field == field


def test_agreement_create_by_technician_is_denied(technician: User):
    with pytest.raises(PermissionDenied):
        agreements.agreement_create(actor=technician, title="T", body="B")


def test_signature_png_clean_accepts_a_drawn_pad():
    data = signature_png()

    assert agreements.signature_png_clean(data) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "not a readable drawing"),
        (signature_png()[:-5], "not a readable drawing"),
        (signature_png()[:40] + b"\x00" + signature_png()[41:], "not a readable drawing"),
        (signature_png(20, 20), "20 by 20 pixels"),
        (signature_png(4000, 60), "4000 by 60 pixels"),
        (signature_png(drawn=False), "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 400_000, "too large"),
    ],
    ids=["not-png", "truncated", "bad-crc", "tiny", "huge", "blank", "oversize"],
)
def test_signature_png_clean_refuses_what_is_not_a_signature(data: bytes, message: str):
    with pytest.raises(DomainError, match=message) as caught:
        agreements.signature_png_clean(data)
    assert caught.value.field == "signature"


def test_signature_png_clean_refuses_data_after_the_end():
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    with pytest.raises(DomainError):
        agreements.signature_png_clean(signature_png() + chunk(b"tEXt", b"after the end"))


def test_agreement_admin_keeps_a_signed_versions_words_read_only(login, superuser: User):
    signed = AgreementFactory.create(version=1)
    HandoutFactory.create(agreement=signed)
    unsigned = AgreementFactory.create(version=2)
    client = login(superuser)

    signed_page = client.get(f"/admin/students/agreement/{signed.pk}/change/").content.decode()
    unsigned_page = client.get(f"/admin/students/agreement/{unsigned.pk}/change/").content.decode()

    assert 'name="body"' not in signed_page and 'name="is_active"' in signed_page
    assert 'name="body"' in unsigned_page
