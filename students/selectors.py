"""Reads of students for pages and endpoints, narrowed to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.models import MAX_ID
from students.models import Student


def student_list(*, user: User | AnonymousUser) -> QuerySet[Student]:
    return Student.objects.visible_to(user).select_related("school")


def student_get(*, user: User | AnonymousUser, student_id: int) -> Student:
    """Raises Http404 for a student the user may not see."""
    if not 0 < student_id <= MAX_ID:
        raise Http404
    try:
        return student_list(user=user).get(pk=student_id)
    except Student.DoesNotExist as exc:
        raise Http404 from exc


def student_find(*, user: User | AnonymousUser, identifier: str) -> Student | None:
    """The student with this exact ID (as scanned or typed), if the user may see them."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return student_list(user=user).filter(identifier__iexact=identifier).first()
