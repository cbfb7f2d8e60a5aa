"""Reading a OneRoster 1.1 or 1.2 CSV export (orgs, users, enrollments; roles in 1.2) into the
students it lists, with every bad row named by file, line and field. No database, no HTTP.

The files come from a SIS as a zip (``oneroster.zip`` holding ``orgs.csv``…) or one by one. Both
versions share ``orgs.csv`` and ``enrollments.csv``; 1.1's ``users.csv`` carries ``role`` and
``orgSourcedIds``, 1.2 moved them to ``roles.csv`` (``userSourcedId``, ``role``, ``orgSourcedId``)
and added ``primaryOrgSourcedId``. ``status`` and ``dateLastModified`` are blank in 1.2 bulk
files and may be missing altogether: both are accepted.

A student's school is the first school org among the user's primary org, ``orgSourcedIds``, their
``roles.csv`` orgs and their enrollments' ``schoolSourcedId``. Staff rows are counted, never kept.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from core.exceptions import DomainError

ORGS, USERS, ENROLLMENTS, ROLES, MANIFEST = (
    "orgs.csv",
    "users.csv",
    "enrollments.csv",
    "roles.csv",
    "manifest.csv",
)
KNOWN_FILES = (ORGS, USERS, ENROLLMENTS, ROLES, MANIFEST)
REQUIRED_FILES = (ORGS, USERS)

ORG_TYPES = frozenset({"department", "school", "district", "local", "state", "national"})
STUDENT = "student"
# Every role either version names; any of them but "student" is staff (or family) and not kept.
ROLES_KNOWN = frozenset(
    {
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
        # 1.2 additions
        "districtAdministrator",
        "siteAdministrator",
        "systemAdministrator",
        "principal",
        "counselor",
        "extUser",
    }
)
# CEDS grade levels (OneRoster's ``grades`` vocabulary), youngest first; a student row may list one.
GRADE_ORDER = ("IT", "PR", "PK", "TK", "KG", *(f"{n:02d}" for n in range(1, 14)), "PS", "UG", "Other")
GRADES = frozenset(GRADE_ORDER)
IDENTIFIER_MAX = 20
NAME_MAX = 60
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})

REQUIRED_COLUMNS = {
    ORGS: ("sourcedId", "name", "type"),
    USERS: ("sourcedId", "enabledUser", "username"),
    ENROLLMENTS: ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    ROLES: ("userSourcedId", "role", "orgSourcedId"),
}


class RosterFileError(DomainError):
    """The export cannot be read at all (a missing file or column, not a zip, over a cap):
    nothing is imported. Its message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class RowIssue:
    """One bad row: where it is, which field, and what is wrong."""

    file: str
    line: int
    field: str
    message: str
    key: str = ""


@dataclass(frozen=True)
class Org:
    sourced_id: str
    name: str
    type: str
    identifier: str
    line: int


@dataclass(frozen=True)
class StudentRow:
    """A student as the export lists them: what the import keeps."""

    sourced_id: str
    identifier: str
    school_org: str
    grade: str
    is_active: bool
    given_name: str
    family_name: str
    line: int


@dataclass
class Roster:
    """What an export holds once read: its orgs, students, the staff counted, and the bad rows."""

    version: str = "1.1"
    orgs: dict[str, Org] = field(default_factory=dict)
    students: list[StudentRow] = field(default_factory=list)
    staff: int = 0
    enrollments: int = 0
    rows: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def schools(self) -> list[Org]:
        return [org for org in self.orgs.values() if org.type == "school"]


# Reading the files ----------------------------------------------------------------------------


def files_from_zip(data: bytes, *, max_bytes: int) -> dict[str, bytes]:
    """The known CSV files of a zipped export, by lower-case base name (a folder inside is fine).

    Raises RosterFileError for a file that is no zip, or whose unpacked files pass ``max_bytes``
    (checked from the zip's directory before anything is unpacked, so a zip bomb reads nothing).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise RosterFileError("The file is not a zip of OneRoster CSV files (orgs.csv, users.csv…).") from exc
    with archive:
        members = {}
        for info in archive.infolist():
            name = PurePosixPath(info.filename).name.lower()
            if info.is_dir() or name not in KNOWN_FILES or name in members:
                continue
            members[name] = info
        unpacked = sum(info.file_size for info in members.values())
        if unpacked > max_bytes:
            raise RosterFileError(
                f"The zip unpacks to {unpacked / (1024 * 1024):,.1f} MB, more than the "
                f"{max_bytes / (1024 * 1024):,.0f} MB a roster import takes."
            )
        try:
            return {name: archive.read(info) for name, info in members.items()}
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # RuntimeError: encrypted
            raise RosterFileError(f"The zip cannot be read: {exc}.") from exc


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(f"{name} is not UTF-8 text (OneRoster files are UTF-8).") from exc


def _table(name: str, data: bytes, *, max_rows: int) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row of one file, values stripped; line 1 is the header."""
    reader = csv.DictReader(io.StringIO(_decode(name, data), newline=""))
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS.get(name, ()) if column not in header]
    if missing:
        raise RosterFileError(f"{name} has no {', '.join(missing)} column: is it a OneRoster {name}?")
    reader.fieldnames = header
    for count, row in enumerate(reader, start=1):
        if count > max_rows:
            raise RosterFileError(f"{name} has more than {max_rows:,} rows, more than a roster import takes.")
        yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key is not None}


def roster_read(files: Mapping[str, bytes], *, max_rows: int) -> Roster:
    """Read an export's files (by name: ``orgs.csv``, ``users.csv``, ``enrollments.csv``,
    optionally ``roles.csv``) into a Roster. Bad rows become issues; a missing file or column, or
    a file over ``max_rows`` rows, raises RosterFileError."""
    for name in REQUIRED_FILES:
        if name not in files:
            raise RosterFileError(f"The export has no {name}: upload orgs.csv and users.csv at least.")
    roster = Roster()
    user_header = next(csv.reader(io.StringIO(_decode(USERS, files[USERS][:4096]))), [])
    if ROLES in files or "role" not in [column.strip() for column in user_header]:
        roster.version = "1.2"
    _read_orgs(roster, files[ORGS], max_rows=max_rows)
    roles = _read_roles(roster, files.get(ROLES), max_rows=max_rows)
    users = _read_users(roster, files[USERS], max_rows=max_rows)
    enrolled = _read_enrollments(roster, files.get(ENROLLMENTS), users, max_rows=max_rows)
    _students(roster, users, roles, enrolled)
    return roster


def _issue(roster: Roster, file: str, line: int, column: str, message: str, key: str = "") -> None:
    roster.issues.append(RowIssue(file=file, line=line, field=column, message=message, key=key))


def _read_orgs(roster: Roster, data: bytes, *, max_rows: int) -> None:
    for line, row in _table(ORGS, data, max_rows=max_rows):
        roster.rows += 1
        sourced_id = row.get("sourcedId", "")
        if not sourced_id:
            _issue(roster, ORGS, line, "sourcedId", "No sourcedId.")
            continue
        if sourced_id in roster.orgs:
            first = roster.orgs[sourced_id].line
            _issue(roster, ORGS, line, "sourcedId", f"sourcedId repeats line {first}.", sourced_id)
            continue
        org_type = row.get("type", "")
        if org_type not in ORG_TYPES:
            _issue(roster, ORGS, line, "type", f"Unknown org type “{org_type}”.", sourced_id)
            continue
        if not row.get("name"):
            _issue(roster, ORGS, line, "name", "No name.", sourced_id)
            continue
        roster.orgs[sourced_id] = Org(sourced_id, row["name"], org_type, row.get("identifier", ""), line)


@dataclass
class _User:
    line: int
    row: dict[str, str]
    roles: set[str]
    orgs: list[str]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _read_roles(roster: Roster, data: bytes | None, *, max_rows: int) -> dict[str, list[tuple[str, str]]]:
    """1.2's roles.csv: each user's (role, org) pairs, primary roles first."""
    roles: dict[str, list[tuple[str, str]]] = {}
    if data is None:
        return roles
    for line, row in _table(ROLES, data, max_rows=max_rows):
        roster.rows += 1
        user, role, org = row.get("userSourcedId", ""), row.get("role", ""), row.get("orgSourcedId", "")
        for column, value in (("userSourcedId", user), ("role", role), ("orgSourcedId", org)):
            if not value:
                _issue(roster, ROLES, line, column, f"No {column}.", row.get("sourcedId", ""))
                break
        else:
            if role not in ROLES_KNOWN:
                _issue(roster, ROLES, line, "role", f"Unknown role “{role}”.", user)
            elif org not in roster.orgs:
                _issue(roster, ROLES, line, "orgSourcedId", f"No org “{org}” in orgs.csv.", user)
            else:
                pairs = roles.setdefault(user, [])
                pair = (role, org)
                pairs.insert(0, pair) if row.get("roleType") == "primary" else pairs.append(pair)
    return roles


def _read_users(roster: Roster, data: bytes, *, max_rows: int) -> dict[str, _User]:
    users: dict[str, _User] = {}
    for line, row in _table(USERS, data, max_rows=max_rows):
        roster.rows += 1
        sourced_id = row.get("sourcedId", "")
        if not sourced_id:
            _issue(roster, USERS, line, "sourcedId", "No sourcedId.")
            continue
        if sourced_id in users:
            _issue(
                roster,
                USERS,
                line,
                "sourcedId",
                f"sourcedId repeats line {users[sourced_id].line}.",
                sourced_id,
            )
            continue
        role = row.get("role", "")
        if role and role not in ROLES_KNOWN:
            _issue(roster, USERS, line, "role", f"Unknown role “{role}”.", sourced_id)
            continue
        enabled = row.get("enabledUser", "").lower()
        if enabled not in TRUE | FALSE:
            _issue(
                roster,
                USERS,
                line,
                "enabledUser",
                f"enabledUser is “{row.get('enabledUser')}”, not true or false.",
                sourced_id,
            )
            continue
        orgs = [row["primaryOrgSourcedId"]] if row.get("primaryOrgSourcedId") else []
        orgs += [org for org in _split(row.get("orgSourcedIds", "")) if org not in orgs]
        unknown = [org for org in orgs if org not in roster.orgs]
        if unknown:
            column = "orgSourcedIds" if "orgSourcedIds" in row else "primaryOrgSourcedId"
            _issue(
                roster,
                USERS,
                line,
                column,
                f"No org “{unknown[0]}” in orgs.csv (unknown school).",
                sourced_id,
            )
            continue
        users[sourced_id] = _User(line, row, {role} if role else set(), orgs)
    return users


def _read_enrollments(
    roster: Roster, data: bytes | None, users: Mapping[str, _User], *, max_rows: int
) -> dict[str, list[str]]:
    """Each user's enrollment schools, in file order; a student's school when nothing else names it."""
    schools: dict[str, list[str]] = {}
    if data is None:
        return schools
    for line, row in _table(ENROLLMENTS, data, max_rows=max_rows):
        roster.rows += 1
        key = row.get("sourcedId", "")
        missing = next((c for c in REQUIRED_COLUMNS[ENROLLMENTS] if not row.get(c)), None)
        if missing:
            _issue(roster, ENROLLMENTS, line, missing, f"No {missing}.", key)
            continue
        user, school, role = row["userSourcedId"], row["schoolSourcedId"], row["role"]
        if role not in ROLES_KNOWN:
            _issue(roster, ENROLLMENTS, line, "role", f"Unknown role “{role}”.", key)
        elif user not in users:
            _issue(roster, ENROLLMENTS, line, "userSourcedId", f"No user “{user}” in users.csv.", key)
        elif school not in roster.orgs or roster.orgs[school].type != "school":
            _issue(roster, ENROLLMENTS, line, "schoolSourcedId", f"No school “{school}” in orgs.csv.", key)
        else:
            roster.enrollments += 1
            if row.get("status") != "tobedeleted":
                schools.setdefault(user, []).append(school)
                users[user].roles.add(role)
    return schools


def _students(
    roster: Roster,
    users: Mapping[str, _User],
    roles: Mapping[str, list[tuple[str, str]]],
    enrolled: Mapping[str, list[str]],
) -> None:
    """Sort users into students (checked and kept) and staff (counted)."""
    seen_identifiers: dict[str, int] = {}
    for sourced_id, user in users.items():
        user_roles = user.roles | {role for role, _ in roles.get(sourced_id, [])}
        if STUDENT not in user_roles:
            roster.staff += 1
            continue
        row, line = user.row, user.line
        identifier = row.get("identifier") or row.get("username", "")
        column = "identifier" if row.get("identifier") else "username"
        grades = _split(row.get("grades", ""))
        candidates = [*user.orgs, *(org for role, org in roles.get(sourced_id, []) if role == STUDENT)]
        candidates += enrolled.get(sourced_id, [])
        school = next((org for org in candidates if roster.orgs[org].type == "school"), "")
        problem: tuple[str, str] | None = None
        if not identifier:
            problem = ("identifier", "No identifier (student ID) and no username.")
        elif len(identifier) > IDENTIFIER_MAX:
            problem = (column, f"Student ID “{identifier[:40]}” is longer than {IDENTIFIER_MAX} characters.")
        elif identifier.casefold() in seen_identifiers:
            first = seen_identifiers[identifier.casefold()]
            problem = (column, f"Student ID “{identifier}” repeats line {first}.")
        elif grades and grades[0] not in GRADES:
            problem = ("grades", f"Unknown grade “{grades[0]}”: use a CEDS code (KG, 01 … 12).")
        elif not school:
            problem = ("orgSourcedIds", "No school among the student's orgs or enrollments.")
        if problem is not None:
            _issue(roster, USERS, line, problem[0], problem[1], sourced_id)
            continue
        seen_identifiers[identifier.casefold()] = line
        active = row.get("status") != "tobedeleted" and row.get("enabledUser", "").lower() in TRUE
        roster.students.append(
            StudentRow(
                sourced_id=sourced_id,
                identifier=identifier,
                school_org=school,
                grade=grades[0] if grades else "",
                is_active=active,
                given_name=row.get("preferredGivenName") or row.get("givenName", ""),
                family_name=row.get("preferredFamilyName") or row.get("familyName", ""),
                line=line,
            )
        )


def issues_sorted(issues: Iterable[RowIssue]) -> list[RowIssue]:
    order = {name: index for index, name in enumerate(KNOWN_FILES)}
    return sorted(issues, key=lambda issue: (order.get(issue.file, 9), issue.line))
