"""Production settings pass Django's deployment checklist, and the schema and docs are served
without any CDN."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' conftest allows async-unsafe ORM calls in this process; a deployed
        # process never has that, nor the test run's relaxed TLS settings.
        if k
        not in (
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cad.example.police.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {"DEBUG": "0", "ALLOWED_HOSTS": "cad.example.police.uk", "SECRET_KEY": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_openapi_schema_is_served_to_logged_in_staff(api):
    response = api("DISPATCHER").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/incidents/" in paths and "/api/v1/auth/token/" in paths


@pytest.mark.django_db
def test_api_docs_load_their_assets_locally(client, make_staff):
    client.force_login(make_staff("DISPATCHER"))
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
