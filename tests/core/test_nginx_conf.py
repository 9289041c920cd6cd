"""`make stack`'s and docker-compose's nginx configuration (scripts/nginx_conf.py): the live
socket to daphne with its upgrade, the rest to gunicorn over kept-alive connections, a client's
X-Forwarded-For replaced, and 503 with Retry-After when gunicorn cannot answer. nginx itself
checks the file (`nginx -t`); tests/e2e/test_through_the_proxy.py runs it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _configure(tmp_path, listen="127.0.0.1:8123", web="unix:/tmp/w.sock", live="live:8001"):
    subprocess.run(
        [sys.executable, "scripts/nginx_conf.py", str(tmp_path), listen, web, live],
        cwd=ROOT,
        check=True,
    )
    return (tmp_path / "nginx.conf").read_text()


def _location(conf: str, path: str) -> str:
    start = conf.index(f"location {path} {{")
    return conf[start : conf.index("}", start)]


def test_the_live_socket_goes_to_daphne_upgraded_and_the_rest_to_gunicorn(tmp_path):
    conf = _configure(tmp_path)

    assert "listen 127.0.0.1:8123;" in conf
    assert "server unix:/tmp/w.sock max_fails=0;" in conf
    assert "server live:8001 max_fails=0;" in conf
    live = _location(conf, "/ws/")
    assert "proxy_pass http://live;" in live
    assert "proxy_set_header Upgrade $http_upgrade;" in live
    assert "proxy_set_header Connection $connection_upgrade;" in live
    assert "proxy_read_timeout 3600s;" in live
    web = _location(conf, "/")
    assert "proxy_pass http://web;" in web
    assert 'proxy_set_header Connection "";' in web  # kept alive to gunicorn
    assert "keepalive 32;" in conf


def test_a_client_cannot_choose_its_own_address(tmp_path):
    conf = _configure(tmp_path)

    for path in ("/ws/", "/"):
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in _location(conf, path)
    assert "$proxy_add_x_forwarded_for" not in conf


def test_gunicorn_down_or_too_slow_is_a_503_with_retry_after_never_a_502(tmp_path):
    conf = _configure(tmp_path)

    assert "error_page 502 504 =503 @unavailable;" in _location(conf, "/")
    unavailable = _location(conf, "@unavailable")
    assert "add_header Retry-After 5 always;" in unavailable
    assert '"code": "service_unavailable"' in unavailable


def test_nginx_accepts_the_file(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is not installed: run scripts/nginx.sh (make test does)")
    conf = _configure(tmp_path, web="127.0.0.1:9", live="127.0.0.1:9")
    checked = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "daemon off;" in conf


def test_a_body_too_large_for_nginx_is_answered_in_the_apis_shape(tmp_path):
    conf = _configure(tmp_path)

    assert "client_max_body_size 3m;" in conf  # above Django's 2.5 MB: the app answers first
    assert "error_page 413 @too_large;" in _location(conf, "/")
    assert '"code": "too_large"' in _location(conf, "@too_large")


def test_login_attempts_are_rate_limited_per_address_and_for_everyone(tmp_path):
    conf = _configure(tmp_path)

    login = _location(conf, "~ ^/(login/|api/v1/auth/token/)$")
    assert "limit_req zone=login_address burst=20 nodelay;" in login
    assert "limit_req zone=login_all burst=60 nodelay;" in login
    assert "proxy_pass http://web;" in login
    # Only POSTs count: loading the login page is not an attempt.
    assert "POST $binary_remote_addr;" in conf and 'default "";' in conf
    assert "limit_req_status 429;" in conf
    assert '"code": "too_many_requests"' in _location(conf, "@too_many")


def test_slow_or_too_many_connections_from_one_address_cannot_starve_the_rest(tmp_path):
    conf = _configure(tmp_path)

    assert "client_header_timeout 10s;" in conf
    assert "client_body_timeout 15s;" in conf
    assert "limit_conn per_address 512;" in conf
    assert "worker_connections 4096;" in conf
    assert "error_page 502 504 =503 @unavailable;" in _location(conf, "/ws/")
