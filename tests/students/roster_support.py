"""The OneRoster samples under tests/students/data/ (built from the 1.1 and 1.2 CSV
specifications, bad rows included) as uploads, and the locations their schools match."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fleet.models import Location
from tests.fleet.factories import LocationFactory

DATA = Path(__file__).parent / "data"
V11, V12 = DATA / "oneroster-1.1", DATA / "oneroster-1.2"
# Valid students of each sample (the rest are bad rows, staff, or at the unmatched East school).
V11_STUDENTS = {"1000001", "1000002", "1000003", "1000004", "1000005", "1000006", "s1000007"}
V12_STUDENTS = {"2000101", "2000102", "2000103", "2000104"}


def sample_files(folder: Path, **replace: str) -> list[tuple[str, bytes]]:
    """The folder's CSV files, with any file's text replaced (``users="…"``)."""
    files = []
    for path in sorted(folder.glob("*.csv")):
        text = replace.get(path.stem)
        files.append((path.name, text.encode() if text is not None else path.read_bytes()))
    return files


def sample_zip(folder: Path, *, subfolder: str = "", **replace: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sample_files(folder, **replace):
            archive.writestr(f"{subfolder}{name}", data)
    return buffer.getvalue()


def sample_text(folder: Path, name: str) -> str:
    return (folder / f"{name}.csv").read_text()


def valid_only_users(folder: Path) -> str:
    """users.csv of a sample without its bad rows (the lines from ',active' / bad ones on)."""
    lines = sample_text(folder, "users").splitlines()
    bad = ("usr-09", ",active", "usr-19")
    return "\n".join(line for line in lines if not line.startswith(bad)) + "\n"


def schools() -> tuple[Location, Location]:
    """North Middle (matched by code NMS) and South High (matched by name)."""
    north = LocationFactory.create(code="NMS", name="North Middle")
    south = LocationFactory.create(code="S-HIGH", name="South High School")
    return north, south
