"""The district's places and people: schools in clusters, the depot and offices, and the staff.

Schools are grouped in clusters around a high school (as MCPS does); field technicians cover one
cluster each, and a few central technicians work the depot and the offices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.choices import Role
from accounts.models import StaffGrade, StaffProfile, User
from demo.services import names, reference
from demo.services.context import DemoContext
from fleet.choices import LocationKind
from fleet.models import Location

DEMO_PASSWORD = "demo-pass"
DEMO_EMAIL_DOMAIN = "demo.fleetdesk.example"
DEMO_TECHNICIANS = {18: "tech.intern", 20: "tech.itss1", 23: "tech.itss2", 25: "tech.itss3"}
DEMO_LOGINS = {
    Role.SUPERVISOR: "supervisor",
    Role.PROCUREMENT: "procurement",
    Role.SCHOOL_ADMIN: "schooladmin",
    Role.ADMIN: "admin",
}
HOURLY_RATES = {18: "24.80", 20: "31.40", 23: "38.20", 25: "45.60"}
ROLE_RATES = {
    Role.SUPERVISOR: "52.30",
    Role.PROCUREMENT: "34.10",
    Role.SCHOOL_ADMIN: "48.00",
    Role.ADMIN: "47.50",
}
SCHOOL_SUFFIX = {"elementary": "Elementary School", "middle": "Middle School", "high": "High School"}
SHORT_SUFFIX = {"Elementary School": "ES", "Middle School": "MS", "High School": "HS"}
DEVICE_WEIGHT = {"elementary": 1.0, "middle": 1.7, "high": 3.2, "special": 0.25}
CENTRAL = "Central"


@dataclass
class District:
    locations: list[Location]
    kinds: list[str]
    cluster_names: list[str]  # field clusters, then "Central" last
    location_cluster: np.ndarray  # cluster index per location
    device_weight: np.ndarray  # relative number of student devices per location (0: not a school)
    depot: int
    offices: list[int]
    vendor_site: int

    @property
    def schools(self) -> list[int]:
        return [i for i, kind in enumerate(self.kinds) if kind in DEVICE_WEIGHT]

    def short_name(self, index: int) -> str:
        name = self.locations[index].name
        for suffix, short in SHORT_SUFFIX.items():
            name = name.replace(suffix, short)
        return name


@dataclass
class Staff:
    users: list[User]
    roles: list[str]
    grades: list[int | None]
    clusters: list[int | None]
    supervisor_of: dict[int, int] = field(default_factory=dict)  # technician -> supervisor (user indexes)
    school_of_admin: dict[int, int] = field(default_factory=dict)  # school admin -> location index
    demo_logins: list[tuple[str, str]] = field(default_factory=list)  # (username, role label)

    def with_role(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == role]

    def ids(self, indexes: list[int]) -> np.ndarray:
        return np.array([self.users[i].pk for i in indexes], dtype=np.int64)


def build_locations(ctx: DemoContext) -> District:
    rng = ctx.random("locations")
    facts = reference.district_facts()
    size = ctx.size
    specs: list[tuple[str, str, str, str]] = []  # code, name, kind, address
    used = {name for band in facts.school_names.values() for name in band}
    invented = [f"{a} {b}" for a in names.PLACE_FIRST for b in names.PLACE_SECOND if a != b]
    rng.shuffle(invented)
    for kind, count in size.schools.items():
        real = facts.school_names.get(kind, [])[:count]
        prefix = {"elementary": "ES", "middle": "MS", "high": "HS", "special": "SP"}[kind]
        school_names = list(real)
        while len(school_names) < count:
            stem = invented.pop()
            name = f"{stem} {SCHOOL_SUFFIX[kind]}" if kind in SCHOOL_SUFFIX else f"{stem} Learning Center"
            if name not in used:
                school_names.append(name)
                used.add(name)
        specs += [(f"{prefix}-{n:03d}", name, kind, "") for n, name in enumerate(school_names, start=1)]
    specs.append(("DEPOT-01", "Central Repair Depot", LocationKind.DEPOT, facts.depot_address))
    office_names = ["Central Office", "Office of Technology and Innovation"]
    specs += [
        (
            f"OFF-{n:02d}",
            office_names[n - 1] if n <= 2 else f"Office {n}",
            LocationKind.OFFICE,
            facts.office_address,
        )
        for n in range(1, size.offices + 1)
    ]
    specs.append(("VND-01", "Potomac Repair Depot (vendor site)", LocationKind.VENDOR, ""))

    kinds = [kind for _, _, kind, _ in specs]
    cluster_of, cluster_names = _clusters(ctx, specs)
    locations = Location.objects.bulk_create(
        [
            Location(code=code, name=name, kind=kind, cluster=cluster_names[cluster_of[i]], address=address)
            for i, (code, name, kind, address) in enumerate(specs)
        ]
    )
    nprng = ctx.rng("locations")
    weights = np.array([DEVICE_WEIGHT.get(kind, 0.0) for kind in kinds]) * nprng.uniform(0.7, 1.3, len(kinds))
    return District(
        locations=locations,
        kinds=[str(kind) for kind in kinds],
        cluster_names=cluster_names,
        location_cluster=np.array(cluster_of, dtype=np.int64),
        device_weight=weights,
        depot=kinds.index(LocationKind.DEPOT),
        offices=[i for i, kind in enumerate(kinds) if kind == LocationKind.OFFICE],
        vendor_site=kinds.index(LocationKind.VENDOR),
    )


def _clusters(ctx: DemoContext, specs: list[tuple[str, str, str, str]]) -> tuple[list[int], list[str]]:
    """Cluster index per location: high school i anchors cluster i; other schools are dealt round."""
    count = ctx.size.clusters
    highs = [name for _, name, kind, _ in specs if kind == "high"]
    cluster_names = [f"{name.removesuffix(' High School')} Cluster" for name in highs[:count]]
    cluster_names += [f"{region} Cluster" for region in names.CLUSTER_REGIONS[: count - len(cluster_names)]]
    cluster_names.append(CENTRAL)
    rng = ctx.random("clusters")
    cluster_of = [count] * len(specs)
    for kind in ("high", "middle", "elementary", "special"):
        members = [i for i, spec in enumerate(specs) if spec[2] == kind]
        if kind != "high":
            rng.shuffle(members)
        for position, i in enumerate(members):
            cluster_of[i] = position % count
    return cluster_of, cluster_names


def build_staff(ctx: DemoContext, district: District) -> Staff:
    rng = ctx.random("staff")
    nprng = ctx.rng("staff")
    mix = ctx.size.staff
    today = ctx.clock.today
    password = make_password(DEMO_PASSWORD)
    grades = {grade.grade: grade for grade in StaffGrade.objects.all()}
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}

    people: list[tuple[str, int | None]] = []  # (role, grade)
    for office_role, count in (
        (Role.ADMIN, mix.admins),
        (Role.SUPERVISOR, mix.supervisors),
        (Role.PROCUREMENT, mix.procurement),
        (Role.SCHOOL_ADMIN, mix.school_admins),
    ):
        people += [(str(office_role), None)] * count
    for technician_grade, count in sorted(mix.technicians.items()):
        people += [(str(Role.TECHNICIAN), technician_grade)] * count

    usernames: set[str] = set()
    users, roles, staff_grades, demo_logins = [], [], [], []
    first_of_role: set[tuple[str, int | None]] = set()
    for role, grade in people:
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        key = (role, grade)
        if key not in first_of_role:
            first_of_role.add(key)
            username = DEMO_TECHNICIANS[grade] if grade else DEMO_LOGINS[Role(role)]
            label = Role(role).label + (f" ({grades[grade].short_title})" if grade else "")
            demo_logins.append((username, label))
        else:
            username = f"{first}.{last}".lower()
            suffix = 2
            while username in usernames:
                username, suffix = f"{first}.{last}{suffix}".lower(), suffix + 1
        usernames.add(username)
        is_admin = role == Role.ADMIN
        users.append(
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                password=password,
                is_staff=is_admin,
                is_superuser=username == DEMO_LOGINS[Role.ADMIN],
                date_joined=_joined(ctx, nprng),
            )
        )
        roles.append(role)
        staff_grades.append(grade)
    users = User.objects.bulk_create(users)
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=user.pk, group_id=groups[role].pk) for user, role in zip(users, roles, strict=True)]
    )
    staff = Staff(
        users=users, roles=roles, grades=staff_grades, clusters=[None] * len(users), demo_logins=demo_logins
    )
    _assign_clusters(ctx, district, staff)
    _profiles(ctx, district, staff, grades, today)
    return staff


def _joined(ctx: DemoContext, rng: np.random.Generator) -> dt.datetime:
    days = int(rng.integers(200, 4000))
    return dt.datetime.combine(ctx.clock.today - dt.timedelta(days=days), dt.time(9), tzinfo=ctx.clock.tz)


def _assign_clusters(ctx: DemoContext, district: District, staff: Staff) -> None:
    rng = ctx.random("staff-clusters")
    count = ctx.size.clusters
    central = len(district.cluster_names) - 1
    technicians = staff.with_role(Role.TECHNICIAN)
    demo = [i for i in technicians if staff.users[i].username in DEMO_TECHNICIANS.values()]
    others = [i for i in technicians if i not in demo]
    rng.shuffle(others)
    central_team = others[: ctx.size.staff.central_technicians]
    field_team = demo + others[ctx.size.staff.central_technicians :]
    for i in central_team:
        staff.clusters[i] = central
    for cluster, members in enumerate(np.array_split(np.array(field_team, dtype=np.int64), count)):
        for i in members.tolist():
            staff.clusters[i] = cluster
    # Supervisor 0 (the demo login) leads cluster 0, where the demo technicians work.
    supervisors = staff.with_role(Role.SUPERVISOR)
    for cluster in range(count + 1):
        lead = supervisors[cluster % len(supervisors)]
        if staff.clusters[lead] is None:
            staff.clusters[lead] = cluster
        for i in technicians:
            if staff.clusters[i] == cluster:
                staff.supervisor_of[i] = lead
    schools = district.schools
    first_cluster_school = next(i for i in schools if district.location_cluster[i] == 0)
    others_schools = [i for i in schools if i != first_cluster_school]
    rng.shuffle(others_schools)
    for position, i in enumerate(staff.with_role(Role.SCHOOL_ADMIN)):
        staff.school_of_admin[i] = first_cluster_school if position == 0 else others_schools[position - 1]


def _profiles(
    ctx: DemoContext, district: District, staff: Staff, grades: dict[int, StaffGrade], today: dt.date
) -> None:
    rng = ctx.rng("profiles")
    employee_numbers = rng.choice(900_000, size=len(staff.users), replace=False) + 100_000
    drivers = [i for i, role in enumerate(staff.roles) if role in (Role.TECHNICIAN, Role.SUPERVISOR)]
    expiring = {i for i in drivers if rng.random() < 0.06}
    expiring |= {i for i in drivers if staff.users[i].username == DEMO_TECHNICIANS[20]}
    profiles, location_links = [], []
    supervised_clusters: dict[int, set[int]] = {}
    for tech, lead in staff.supervisor_of.items():
        supervised_clusters.setdefault(lead, set()).add(int(staff.clusters[tech] or 0))
    for i, user in enumerate(staff.users):
        role, grade = staff.roles[i], staff.grades[i]
        licence = None
        if i in drivers:
            days = int(rng.integers(3, 30)) if i in expiring else int(rng.integers(60, 1500))
            licence = today + dt.timedelta(days=days)
        rate = HOURLY_RATES[grade] if grade else ROLE_RATES[Role(role)]
        supervisor = staff.supervisor_of.get(i)
        profiles.append(
            StaffProfile(
                user=user,
                employee_id=f"E{employee_numbers[i]:06d}",
                grade=grades[grade] if grade else None,
                supervisor=staff.users[supervisor] if supervisor is not None else None,
                licence_expires_on=licence,
                hourly_rate=Decimal(rate),
                phone=f"240-555-{int(rng.integers(100, 199)):04d}",
            )
        )
        clusters: AbstractSet[int | None]
        if role == Role.TECHNICIAN:
            clusters = {staff.clusters[i]}
        elif role == Role.SUPERVISOR:
            clusters = supervised_clusters.get(i, set())
        else:
            clusters = set()
        places = [j for j, cluster in enumerate(district.location_cluster.tolist()) if cluster in clusters]
        if role == Role.PROCUREMENT:
            places = [district.depot]
        if role == Role.SCHOOL_ADMIN:
            places = [staff.school_of_admin[i]]
        location_links += [(i, j) for j in places]
    profiles = StaffProfile.objects.bulk_create(profiles)
    through = StaffProfile.locations.through
    through.objects.bulk_create(
        [
            through(staffprofile_id=profiles[i].pk, location_id=district.locations[j].pk)
            for i, j in location_links
        ]
    )
