#!/usr/bin/env bash
# The two commands of README.md:
#   ./dev.sh demo   install into .venv, migrate, load the small demo district, serve on :8000
#   ./dev.sh test   install into .venv, check the import layers, run the whole test suite in parallel
#                   (extra args go to pytest)
# With DATABASE_URL / REDIS_URL set both use PostgreSQL and Redis instead of the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY="$VENV/bin/python"

need_python() {
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "Python 3.11 or newer is required." >&2
  exit 1
}

install() {
  if [ ! -x "$PY" ]; then
    "$(need_python)" -m venv "$VENV"
  fi
  # Reinstall only when the declared or locked dependencies change.
  local stamp
  stamp="$VENV/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -c requirements.lock -e ".[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

ensure_chromium() {
  # Browser journeys drive Debian's Chromium; Playwright's own browser download is not used.
  [ -x /usr/bin/chromium ] && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
      echo "Could not install chromium: browser tests will be skipped." >&2
  else
    echo "No /usr/bin/chromium: browser tests will be skipped (apt-get install chromium)." >&2
  fi
}

case "${1:-}" in
  demo)
    install
    "$PY" manage.py migrate --noinput
    "$PY" manage.py seed_demo --size small --seed 1 --if-empty
    exec "$PY" manage.py runserver 127.0.0.1:8000
    ;;
  test)
    shift
    install
    ensure_chromium
    # The layers of README's layout table: an upward import between apps fails here first.
    "$VENV/bin/lint-imports" --no-cache
    # Every core runs tests (pytest-xdist); one core runs them in this process.
    workers=()
    if [ "$(nproc 2>/dev/null || echo 1)" -gt 1 ]; then workers=(-n auto --dist loadgroup); fi
    exec "$PY" -m pytest "${workers[@]}" "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
