"""The OneRoster import service: 1.1 and 1.2 samples, zip and files, re-import, bad rows named by
file, line and field, school questions, names only when shown, all or nothing, caps."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from fleet.models import District
from students.domain.oneroster import RosterFileError
from students.models import RosterSchoolMapping, Student
from students.services import roster
from students.services.roster import RosterRejected
from tests.fleet.factories import LocationFactory
from tests.students.factories import StudentFactory
from tests.students.roster_support import (
    V11,
    V11_STUDENTS,
    V12,
    V12_STUDENTS,
    sample_files,
    sample_zip,
    schools,
    valid_only_users,
)

pytestmark = pytest.mark.django_db


def bundle(folder, **replace) -> bytes:
    return roster.roster_bundle(files=sample_files(folder, **replace))


def test_roster_import_of_the_1_1_sample_reports_every_bad_row_by_file_line_and_field(supervisor):
    schools()
    with pytest.raises(RosterRejected) as caught:
        roster.roster_import(data=sample_zip(V11), actor=supervisor)
    found = {(issue.file, issue.line, issue.field) for issue in caught.value.report.errors}
    assert found == {
        ("orgs.csv", 6, "sourcedId"),  # missing sourcedId
        ("orgs.csv", 7, "type"),  # unknown org type
        ("users.csv", 11, "sourcedId"),
        ("users.csv", 12, "orgSourcedIds"),  # unknown school
        ("users.csv", 13, "identifier"),  # duplicate student ID
        ("users.csv", 14, "grades"),  # bad grade
        ("users.csv", 15, "orgSourcedIds"),  # East Elementary matches no location
        ("enrollments.csv", 6, "userSourcedId"),
        ("enrollments.csv", 7, "classSourcedId"),
    }
    assert [org.identifier for org in caught.value.report.questions] == ["EES"]
    assert not Student.objects.exists()  # all or nothing


def test_roster_import_valid_only_creates_the_valid_students_and_keeps_no_staff(supervisor):
    north, south = schools()
    report = roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert (report.created, report.updated, report.staff, report.version) == (7, 0, 2, "1.1")
    students = {s.identifier: s for s in Student.objects.all()}
    assert set(students) == V11_STUDENTS
    assert students["1000001"].school == north and students["1000001"].grade == "07"
    assert students["1000004"].school == south  # district org first, the school next
    assert students["s1000007"].sourced_id == "usr-007"  # no identifier: the username
    assert not students["1000005"].is_active  # status tobedeleted
    assert not students["1000006"].is_active  # enabledUser false
    assert students["1000001"].given_name == ""  # names off by default


def test_roster_import_again_with_no_change_changes_nothing(supervisor):
    schools()
    roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    before = list(Student.objects.values_list("pk", "updated_at"))
    report = roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert (report.created, report.updated, report.unchanged, report.changed) == (0, 0, 7, 0)
    assert list(Student.objects.values_list("pk", "updated_at")) == before


def test_roster_import_updates_a_changed_grade_and_school_by_sourced_id(supervisor):
    north, south = schools()
    student = StudentFactory.create(identifier="1000001", sourced_id="usr-001", school=south, grade="06")
    users = valid_only_users(V11)
    report = roster.roster_import(data=bundle(V11, users=users), actor=supervisor, valid_only=True)
    student.refresh_from_db()
    assert (student.school, student.grade, report.updated) == (north, "07", 1)


def test_roster_import_refuses_a_student_id_held_by_another_roster_user(supervisor):
    schools()
    StudentFactory.create(identifier="1000002", sourced_id="usr-elsewhere")
    with pytest.raises(RosterRejected) as caught:
        roster.roster_import(data=bundle(V11, users=valid_only_users(V11)), actor=supervisor)
    assert [(i.line, i.field) for i in caught.value.report.errors if i.file == "users.csv"] == [
        (3, "identifier")
    ]


def test_roster_import_keeps_names_only_when_the_district_shows_them(supervisor):
    schools()
    district = District.current()
    district.student_names_shown = True
    district.save()
    roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert Student.objects.get(identifier="1000001").given_name == "Avery"
    district.student_names_shown = False
    district.save()
    report = roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert report.updated == 7
    assert not Student.objects.exclude(given_name="").exists()


def test_roster_import_of_the_1_2_sample_reads_roles_csv_and_blank_status(supervisor):
    _, south = schools()
    report = roster.roster_import(data=sample_zip(V12), actor=supervisor, valid_only=True)
    assert report.version == "1.2"
    assert {s.identifier for s in Student.objects.all()} == V12_STUDENTS
    assert Student.objects.get(identifier="2000104").school == south  # school from roles.csv
    assert not Student.objects.get(identifier="2000103").is_active
    assert Student.objects.get(identifier="2000101").grade == "KG"
    assert {(i.file, i.line, i.field) for i in report.errors} == {
        ("roles.csv", 8, "role"),
        ("users.csv", 7, "grades"),
    }


def test_roster_bundle_from_separate_files_imports_like_the_zip(supervisor):
    schools()
    from_files = roster.roster_import(data=bundle(V12), actor=supervisor, valid_only=True)
    Student.objects.all().delete()
    from_zip = roster.roster_import(
        data=sample_zip(V12, subfolder="export/"), actor=supervisor, valid_only=True
    )
    assert from_files.created == from_zip.created == 4


def test_roster_school_answer_is_reused_by_the_next_import(supervisor):
    schools()
    east = LocationFactory.create(code="E-1", name="Eastside")
    roster.roster_school_map(actor=supervisor, org_key="EES", location_code="e-1")
    report = roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert not report.questions
    assert Student.objects.get(identifier="1000094").school == east
    assert RosterSchoolMapping.objects.get().created_by == supervisor


def test_roster_school_answer_with_an_unknown_code_names_the_location(supervisor):
    with pytest.raises(Exception) as caught:
        roster.roster_school_map(actor=supervisor, org_key="EES", location_code="NOPE")
    assert getattr(caught.value, "field", None) == "location"
    assert not RosterSchoolMapping.objects.exists()


def test_roster_import_refuses_roles_without_the_permission(technician, school_admin, procurement):
    for user in (technician, school_admin, procurement):
        with pytest.raises(PermissionDenied):
            roster.roster_import(data=sample_zip(V11), actor=user)


def test_roster_bundle_refuses_a_missing_users_file_naming_it():
    with pytest.raises(RosterFileError, match=r"users\.csv") as caught:
        roster.roster_bundle(files=[("orgs.csv", b"sourcedId,name,type\n")])
    assert caught.value.field == "file"


def test_roster_import_refuses_a_users_file_without_its_columns(supervisor):
    with pytest.raises(RosterFileError, match=r"users\.csv has no sourcedId"):
        roster.roster_import(data=bundle(V11, users="id,name\n1,x\n"), actor=supervisor)


def test_roster_bundle_refuses_an_export_over_the_size_cap(settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 1000
    with pytest.raises(RosterFileError, match="more than the"):
        roster.roster_bundle(files=sample_files(V11))


def test_roster_import_refuses_a_file_over_the_row_cap_and_writes_nothing(supervisor, settings):
    schools()
    settings.ROSTER_IMPORT_MAX_ROWS = 6
    with pytest.raises(RosterFileError, match=r"users\.csv has more than 6 rows"):
        roster.roster_import(data=sample_zip(V11), actor=supervisor, valid_only=True)
    assert not Student.objects.exists()


def test_roster_bundle_refuses_a_file_that_is_no_zip():
    with pytest.raises(RosterFileError, match="not a zip"):
        roster.roster_bundle(files=[("export.zip", b"not a zip")])
