"""Write nginx's configuration for `make stack` (and docker-compose's `proxy` service).

    python scripts/nginx_conf.py CONF_DIR LISTEN WEB LIVE

nginx listens on LISTEN (`127.0.0.1:8000`, `0.0.0.0:8000` or a port) and routes:

- `/ws/` (the live socket, `core.routing`) to LIVE: daphne, the ASGI server, with the WebSocket
  upgrade passed through and no read timeout shorter than an hour;
- everything else (the pages, the API, static files, /healthz, /readyz) to WEB: gunicorn, the
  WSGI server, over kept-alive connections. Its threads live as long as the process, so each
  keeps its database connection (`CONN_MAX_AGE`); under daphne a request opens a new one
  (Django ticket #33497). The numbers behind the split: docs/architecture.md (Deployment).

WEB and LIVE are `unix:/path/to.sock` or `host:port`. When WEB cannot answer (restarting, or
every worker busy past the timeout) the client gets 503 with `Retry-After`, like the app's own
answer to a database outage (core/unavailable.py), not nginx's 502.

Writes CONF_DIR/nginx.conf, with nginx's pid and temporary files under CONF_DIR; nginx runs in
the foreground (`nginx -c CONF_DIR/nginx.conf`), logging errors to stderr and no access log
(the app audits what matters). `X-Forwarded-For` is set to the address nginx sees, replacing any
the client sent, so the app can trust it (`TRUST_X_FORWARDED_FOR`, set only behind this proxy).
"""

import sys
from pathlib import Path

# Retry-After in seconds: core.unavailable's default (DATABASE_RETRY_AFTER_SECONDS).
RETRY_AFTER = 5
# The largest request body nginx passes on: above Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE,
# 2.5 MB), so the app answers an oversized body as it does without nginx; a body past this gets
# nginx's 413 in the API's JSON shape. A 20,000-character narrative is far under both.
MAX_BODY = "3m"


def upstream(address: str) -> str:
    return address if address.startswith("unix:") else address.removeprefix("http://")


def render(conf_dir: str, listen: str, web: str, live: str) -> str:
    temp = Path(conf_dir)
    return f"""# Written by scripts/nginx_conf.py: edit that, not this.
daemon off;
worker_processes 1;
pid {temp / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {temp / "client_body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    client_max_body_size {MAX_BODY};
    keepalive_timeout 75s;

    upstream web {{
        server {upstream(web)} max_fails=0;
        keepalive 32;
        keepalive_timeout 30s;
    }}
    upstream live {{
        server {upstream(live)} max_fails=0;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}

    server {{
        listen {listen};

        location /ws/ {{
            proxy_pass http://live;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
        }}

        location / {{
            proxy_pass http://web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
            proxy_intercept_errors off;
            error_page 502 504 =503 @unavailable;
            error_page 413 @too_large;
        }}

        location @too_large {{
            default_type application/json;
            return 413 '{{"detail": "The request is too large.", "code": "too_large"}}';
        }}

        location @unavailable {{
            default_type application/json;
            add_header Retry-After {RETRY_AFTER} always;
            add_header Cache-Control no-store always;
            return 503 '{{"detail": "The control room server is restarting or busy: nothing was saved. Try again in a few seconds.", "code": "service_unavailable"}}';
        }}
    }}
}}
"""


def main(conf_dir: str, listen: str, web: str, live: str) -> None:
    conf = Path(conf_dir)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (conf / name).mkdir(parents=True, exist_ok=True)
    (conf / "nginx.conf").write_text(render(conf_dir, listen, web, live))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:5])
