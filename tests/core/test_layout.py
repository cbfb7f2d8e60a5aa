"""Every app has the one shape stated in README.md ("Layout"): the same names for the same parts.

A module outside these names (a second convention such as ``ticket_forms.py`` or a
``views_refresh.py`` beside ``views/``) fails here; so does a template folder for no app.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "core",
    "accounts",
    "fleet",
    "repairs",
    "staff",
    "students",
    "forecasting",
    "portal",
    "demo",
    "notifications",
]

# What an app may hold at its top, each part under one name (README's layout table).
APP_PARTS = {
    "__init__.py",
    "apps.py",
    "models.py",
    "choices.py",
    "services",  # package: one module per capability
    "selectors",  # package, or selectors.py while small
    "selectors.py",
    "permissions.py",
    "forms",  # package, or forms.py while small
    "forms.py",
    "filters",  # package, or filters.py while small
    "filters.py",
    "views",  # package: one module per capability
    "api",  # package: urls.py, serializers.py, one module per capability
    "domain",  # package: rules and arithmetic that touch neither the database nor HTTP
    "tasks.py",
    "admin.py",
    "urls.py",
    "templatetags",
    "context_processors.py",
    "management",
    "migrations",
    "fixtures",
}
# core is the project's primitives: the exceptions every app raises, htmx helpers, middleware.
CORE_PARTS = {"exceptions.py", "htmx.py", "middleware.py", "pagination.py", "widgets.py"}
PACKAGES = {"services", "selectors", "forms", "filters", "views", "api", "domain", "templatetags"}
SECOND_CONVENTIONS = ("_views", "_forms", "_filters", "_serializers", "_services", "_selectors")


def _entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "__pycache__" and not p.name.startswith(".")}


@pytest.mark.parametrize("app", APPS)
def test_app_holds_only_the_parts_of_the_one_shape(app: str):
    allowed = APP_PARTS | (CORE_PARTS if app == "core" else set())
    stray = _entries(ROOT / app) - allowed
    assert not stray, f"{app}/ has parts outside the one shape (README, Layout): {sorted(stray)}"


@pytest.mark.parametrize("app", APPS)
def test_app_uses_one_name_per_part(app: str):
    entries = _entries(ROOT / app)
    for single, package in [("selectors.py", "selectors"), ("forms.py", "forms"), ("filters.py", "filters")]:
        assert not {single, package} <= entries, f"{app} has both {single} and {package}/"
    assert {"apps.py", "__init__.py"} <= entries


@pytest.mark.parametrize("app", APPS)
def test_app_packages_hold_modules_named_by_capability(app: str):
    for package in PACKAGES & _entries(ROOT / app):
        folder = ROOT / app / package
        assert (folder / "__init__.py").exists(), f"{app}/{package}/ is not a package"
        for entry in _entries(folder):
            stem = entry.removesuffix(".py")
            assert not stem.endswith(SECOND_CONVENTIONS), f"{app}/{package}/{entry}: name it by capability"
            # A capability too big for one module may be a package of its own (fleet's importing).
            assert entry.endswith(".py") or (folder / entry / "__init__.py").exists(), (
                f"{app}/{package}/{entry}"
            )
        if package == "api":
            assert (folder / "urls.py").exists() or app == "core", f"{app}/api/ has no urls.py"


def test_template_folders_belong_to_apps_or_components():
    folders = {p.name for p in (ROOT / "templates").iterdir() if p.is_dir()}
    assert folders <= {*APPS, "components"}, sorted(folders - {*APPS, "components"})


def test_shared_template_pieces_live_in_components():
    for app in APPS:
        folder = ROOT / "templates" / app
        if folder.exists():
            names = {p.name for p in folder.iterdir()}
            assert "pager.html" not in names, f"templates/{app}/pager.html belongs in templates/components/"
