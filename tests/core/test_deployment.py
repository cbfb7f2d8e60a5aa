"""`docker compose up` serves FleetDesk over HTTPS: Caddy in front, the web service unpublished.

Docker images cannot be pulled everywhere the suite runs, so this checks the pieces without
them: the compose file and Caddyfile as data, the production settings with the environment
.env.example documents, and (when the tools are installed) `docker-compose config`,
`caddy adapt` and a real HTTPS round trip through the Caddyfile to the live server.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings as django_settings
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV_EXAMPLE = ROOT / ".env.example"
PLACEHOLDER = re.compile(r"^replace-with-")


def env_example() -> dict[str, str]:
    """.env.example as docker compose reads it: KEY=value lines, # comments."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def filled_env(**overrides: str) -> dict[str, str]:
    """.env.example with its secret placeholders replaced, as an operator would fill it in."""
    values = {
        key: secrets.token_urlsafe(50) if PLACEHOLDER.match(value) else value
        for key, value in env_example().items()
    }
    return values | overrides


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def prod_env(**overrides: str) -> dict[str, str]:
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return env | filled_env(**overrides) | {"DJANGO_SETTINGS_MODULE": "config.settings.prod"}


# The compose file and the Caddyfile ------------------------------------------------------------


def test_only_the_proxy_is_published_on_the_host_on_443_and_80():
    services = compose()["services"]

    published = {name: service["ports"] for name, service in services.items() if "ports" in service}

    assert list(published) == ["proxy"], "only the HTTPS proxy may be reachable from outside"
    assert {"443:443", "80:80"} <= set(published["proxy"])
    assert "8000" in [str(port) for port in services["web"]["expose"]]


def test_proxy_serves_the_caddyfile_and_forwards_to_the_web_service():
    proxy = compose()["services"]["proxy"]
    web_command = compose()["services"]["web"]["command"]
    caddyfile = CADDYFILE.read_text()

    assert proxy["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"] == {"condition": "service_healthy"}
    assert re.search(r"^\{\$FLEETDESK_HOST\} \{$", caddyfile, flags=re.MULTILINE)
    assert re.search(r"^\s+tls \{\$FLEETDESK_TLS:internal\}$", caddyfile, flags=re.MULTILINE)
    upstream = re.search(r"^\s+reverse_proxy (\S+)$", caddyfile, flags=re.MULTILINE)
    assert upstream and upstream.group(1) == "web:8000"
    assert "--bind 0.0.0.0:8000" in web_command


def test_env_example_names_every_variable_compose_and_caddy_need():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    passed_to_caddy = set(compose()["services"]["proxy"]["environment"])
    used_by_caddy = set(re.findall(r"\{\$(\w+)", CADDYFILE.read_text()))
    example = env_example()

    assert {"FLEETDESK_HOST", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= required
    assert used_by_caddy <= passed_to_caddy
    assert required | used_by_caddy | {"DJANGO_CSRF_TRUSTED_ORIGINS"} <= set(example)
    # Secrets are placeholders an operator must replace, never a usable value.
    assert PLACEHOLDER.match(example["DJANGO_SECRET_KEY"])
    assert PLACEHOLDER.match(example["POSTGRES_PASSWORD"])
    # Django answers for the host the proxy serves, and trusts posts from its HTTPS origin.
    assert example["FLEETDESK_HOST"] in example["DJANGO_ALLOWED_HOSTS"].split(",")
    assert f"https://{example['FLEETDESK_HOST']}" in example["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")


def test_image_holds_every_app_the_settings_install():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ours = [app for app in django_settings.INSTALLED_APPS if (ROOT / app).is_dir()]

    assert len(ours) >= 8
    for app in ["config", *ours]:
        assert re.search(rf"^COPY {app} \./{app}$", dockerfile, flags=re.MULTILINE), (
            f"{app} is not in the image"
        )


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_compose_file_is_valid_with_the_example_environment(tmp_path: Path):
    command = compose_command()
    if command is None:
        pytest.skip("needs docker compose or docker-compose to validate docker-compose.yml")
    env_file = tmp_path / ".env"
    env_file.write_text(ENV_EXAMPLE.read_text())

    result = subprocess.run(
        [*command, "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert "ports" not in resolved["web"]
    assert resolved["proxy"]["environment"]["FLEETDESK_HOST"] == env_example()["FLEETDESK_HOST"]


# The production settings -----------------------------------------------------------------------


def test_prod_settings_with_the_example_environment_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


FORWARDED_REQUEST = """
import django
from django.test import Client
django.setup()
client = Client(HTTP_HOST="fleetdesk.example.org")
plain = client.get("/accounts/login/")
forwarded = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
print(plain.status_code, plain.get("Location"))
print(forwarded.status_code, forwarded.get("Strict-Transport-Security"))
print(forwarded.wsgi_request.is_secure(), forwarded.cookies["csrftoken"]["secure"])
"""


def test_prod_settings_take_a_request_forwarded_as_https_for_secure():
    result = subprocess.run(
        [sys.executable, "-c", FORWARDED_REQUEST],
        cwd=ROOT,
        env=prod_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    plain, forwarded, secure = result.stdout.splitlines()
    # Reached without the proxy's header: sent to HTTPS.
    assert plain == "301 https://fleetdesk.example.org/accounts/login/"
    # Through the proxy: served, as a secure request, with HSTS and a Secure CSRF cookie.
    assert forwarded.startswith("200 max-age=")
    assert secure == "True True"


# A real HTTPS round trip through the Caddyfile (needs the caddy binary) ------------------------


def test_caddy_adapts_the_caddyfile_with_each_certificate_choice():
    if not shutil.which("caddy"):
        pytest.skip("needs caddy (apt-get install caddy) to parse deploy/Caddyfile")
    choices = {
        "internal": {"module": "internal"},
        "it@district.example.org": "acme",
        "/certs/fullchain.pem /certs/privkey.pem": "/certs/fullchain.pem",
    }
    for tls, expected in choices.items():
        env = os.environ | {"FLEETDESK_HOST": "fleetdesk.example.org", "FLEETDESK_TLS": tls}
        result = subprocess.run(
            ["caddy", "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        config = json.loads(result.stdout)
        server = config["apps"]["http"]["servers"]["srv0"]
        assert server["listen"] == [":443"]
        assert server["routes"][0]["match"] == [{"host": ["fleetdesk.example.org"]}]
        assert '"dial":"web:8000"' in result.stdout.replace(" ", "")
        assert json.dumps(expected).strip('"') in json.dumps(config["apps"]["tls"]), tls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def prod_security(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's settings, with every proxy-related one taken from prod.py as read with the
    environment .env.example documents, for the host and port Caddy serves here."""
    https_port = free_port()
    origin = f"https://localhost:{https_port}"
    for key, value in filled_env(
        DJANGO_ALLOWED_HOSTS="localhost", DJANGO_CSRF_TRUSTED_ORIGINS=origin
    ).items():
        monkeypatch.setenv(key, value)
    sys.modules.pop("config.settings.prod", None)
    prod = importlib.import_module("config.settings.prod")
    for name in [
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]:
        setattr(settings, name, getattr(prod, name))
    yield origin
    sys.modules.pop("config.settings.prod", None)


@pytest.fixture
def caddy_in_front(
    prod_security: str, transactional_db: None, tmp_path: Path
) -> Iterator[tuple[str, int, ssl.SSLContext]]:
    """deploy/Caddyfile, unchanged but for its upstream and unprivileged ports, in front of a live
    server started after the settings changed (middleware reads them when it is built)."""
    if not shutil.which("caddy"):
        pytest.skip("needs caddy (apt-get install caddy) for the HTTPS round trip")
    origin = prod_security
    https_port, http_port = int(origin.rsplit(":", 1)[1]), free_port()
    web = LiveServer("127.0.0.1")
    upstream = web.url.removeprefix("http://")
    site = CADDYFILE.read_text().replace("reverse_proxy web:8000", f"reverse_proxy {upstream}")
    (tmp_path / "site.caddy").write_text(site)
    (tmp_path / "Caddyfile").write_text(
        f"{{\n\thttp_port {http_port}\n\thttps_port {https_port}\n\tskip_install_trust\n\tadmin off\n}}\n"
        f"import {tmp_path / 'site.caddy'}\n"
    )
    env = os.environ | {
        "FLEETDESK_HOST": "localhost",
        "FLEETDESK_TLS": "internal",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    log = (tmp_path / "caddy.log").open("w")
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and caddy.poll() is None:
            if root.exists():
                try:
                    context = ssl.create_default_context(cafile=str(root))
                    with socket.create_connection(("localhost", https_port), timeout=2) as sock:
                        context.wrap_socket(sock, server_hostname="localhost").close()
                    break
                except (OSError, ssl.SSLError):
                    pass
            time.sleep(0.3)
        else:
            pytest.fail("caddy did not serve HTTPS:\n" + (tmp_path / "caddy.log").read_text())
        yield origin, http_port, ssl.create_default_context(cafile=str(root))
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
        log.close()
        web.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_https_through_the_caddyfile_signs_in_with_the_production_security_settings(
    caddy_in_front: tuple[str, int, ssl.SSLContext], technician: User
):
    origin, http_port, tls = caddy_in_front
    jar = CookieJar()
    browser = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=tls), urllib.request.HTTPCookieProcessor(jar), NoRedirect()
    )

    # Plain HTTP at the proxy is sent to HTTPS.
    with pytest.raises(urllib.error.HTTPError) as plain:
        browser.open(f"http://localhost:{http_port}/accounts/login/", timeout=10)
    assert plain.value.code in (301, 308)
    # (Caddy's redirect names no port: on the real 443 none is needed.)
    assert re.fullmatch(r"https://localhost(:\d+)?/accounts/login/", plain.value.headers["Location"])

    # Over HTTPS Django sees a secure request: HSTS, the policy, a Secure CSRF cookie.
    login_page = browser.open(f"{origin}/accounts/login/", timeout=10)
    assert login_page.status == 200
    assert login_page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "default-src 'self'" in login_page.headers["Content-Security-Policy"]
    csrf = next(cookie for cookie in jar if cookie.name == "csrftoken")
    assert csrf.secure

    # A form posted from the HTTPS origin passes the CSRF origin check and signs in.
    body = urlencode(
        {"username": technician.username, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": csrf.value}
    ).encode()
    request = urllib.request.Request(
        f"{origin}/accounts/login/",
        data=body,
        headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
    )
    with pytest.raises(urllib.error.HTTPError) as signed_in:
        browser.open(request, timeout=10)
    assert signed_in.value.code == 302, signed_in.value.read().decode()[:500]
    home = browser.open(f"{origin}/", timeout=10)
    assert home.status == 200
    assert technician.first_name in home.read().decode()
