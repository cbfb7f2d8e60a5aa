"""Requests per second under gunicorn: the technician's mix against /healthz and the floor page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/throughput_bench.py [--workers 3] [--seconds 20] [--connections 6]

Starts gunicorn (sync workers, ``config.wsgi``, test settings: DEBUG off) on a free port, signs
a demo technician in (a session row, deleted afterwards), then runs ``wrk`` (``apt install wrk``)
for each case in turn: a mix of device search, device detail and ticket list; ``/healthz``; the
floor page (``/floor/``, signed in, base.html only). Prints requests/s and latency per case, and
stops gunicorn. Non-200 answers are counted and reported.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from accounts.models import User  # noqa: E402
from fleet.models import Device  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _session_for(username: str) -> SessionStore:
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The first backend that loads users (django-axes' comes first and only guards sign-ins).
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session


def _wrk(port: int, paths: list[str], cookie: str, seconds: int, connections: int) -> tuple[float, str, int]:
    env = {**os.environ, "FLEETDESK_PATHS": ";".join(paths), "FLEETDESK_COOKIE": cookie}
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(BASE_DIR / "bench" / "throughput_mix.lua"), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out.stdout)
    return rate, p50.group(1) if p50 else "?", out.stderr.count("HTTP ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--user", default="tech.itss1")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("Needs wrk: apt install wrk")
    device = Device.objects.order_by("pk").values("pk", "asset_tag").first()
    if device is None:
        sys.exit("No devices: load a demo with seed_demo.")
    session = _session_for(args.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    port = _free_port()
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "-w", str(args.workers),
         "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=BASE_DIR, env=os.environ.copy(),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        cases = {
            "mix: search, device, tickets": [
                f"/fleet/devices/search/?q={device['asset_tag'][:6]}",
                f"/fleet/devices/{device['pk']}/",
                "/repairs/tickets/",
            ],
            "/healthz": ["/healthz"],
            "floor page": ["/floor/"],
        }
        print(
            f"gunicorn {args.workers} sync workers, wrk {args.connections} connections, {args.seconds}s each"
        )
        for name, paths in cases.items():
            rate, p50, errors = _wrk(port, paths, cookie, args.seconds, args.connections)
            print(f"  {name:<30} {rate:>8.1f} req/s   median latency {p50:>8}   non-200: {errors}")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        session.delete()


if __name__ == "__main__":
    main()
