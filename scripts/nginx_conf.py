"""Write nginx's configuration for `make stack` (and docker-compose's `proxy` service).

    python scripts/nginx_conf.py CONF_DIR LISTEN WEB LIVE

nginx listens on LISTEN (`127.0.0.1:8000`, `0.0.0.0:8000` or a port) and routes:

- `/ws/` (the live socket, `core.routing`) to LIVE: daphne, the ASGI server, with the WebSocket
  upgrade passed through and no read timeout shorter than an hour;
- everything else (the pages, the API, static files, /healthz, /readyz) to WEB: gunicorn, the
  WSGI server, over kept-alive connections. Its threads live as long as the process, so each
  keeps its database connection (`CONN_MAX_AGE`); under daphne a request opens a new one
  (Django ticket #33497). The numbers behind the split: docs/architecture.md (Deployment).

WEB and LIVE are `unix:/path/to.sock` or `host:port`. When WEB or LIVE cannot answer
(restarting, or every worker busy past the timeout) the client gets 503 with `Retry-After`,
like the app's own answer to a database outage (core/unavailable.py), not nginx's 502. nginx's
own refusals are in the API's `{detail, code}` shape too: 413 `too_large`, 414 `too_long`, 429
`too_many_requests` (with `Retry-After`).

Limits, so that no client can starve the dispatchers already at work: login attempts (POSTs to
/login/ and /api/v1/auth/token/, each a deliberately slow password hash) per address and for
everyone together; connections per address; and slow clients dropped (header 10 s, body 15 s).

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


# Login attempts (POST to the login form or the token endpoint) nginx lets through: per client
# address, and for everyone together, so a flood of guesses (each a deliberately slow password
# hash) cannot take the web threads from the dispatchers already logged in. Past them: 429.
LOGIN_RATE_PER_ADDRESS = "5r/s"
LOGIN_BURST_PER_ADDRESS = 20
LOGIN_RATE_ALL = "30r/s"
LOGIN_BURST_ALL = 60
# Connections one client address may hold (a control room behind one NAT address: ~60 desks of
# a few connections and a live socket each), so one address's slow or idle connections
# (slowloris) cannot use up the worker's connections for everyone.
CONNECTIONS_PER_ADDRESS = 512


# nginx's own refusals in the API's shape. A location that sets any `error_page` inherits none
# from the server block, so each proxied location repeats these.
_REFUSALS = "\n            ".join(
    ("error_page 413 @too_large;", "error_page 414 @too_long;", "error_page 429 @too_many;")
)


# What every location proxied to gunicorn says.
_TO_WEB = f"""proxy_pass http://web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
            error_page 502 504 =503 @unavailable;
            {_REFUSALS}"""


def _json(status: int, code: str, detail: str, retry_after: int | None = None) -> str:
    retry = f"\n            add_header Retry-After {retry_after} always;" if retry_after else ""
    return f"""default_type application/json;{retry}
            add_header Cache-Control no-store always;
            return {status} '{{"detail": "{detail}", "code": "{code}"}}';"""


def render(conf_dir: str, listen: str, web: str, live: str) -> str:
    temp = Path(conf_dir)
    return f"""# Written by scripts/nginx_conf.py: edit that, not this.
daemon off;
worker_processes auto;
worker_rlimit_nofile 8192;
pid {temp / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections 4096;
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
    # A client that sends its request slowly is dropped (slowloris), not waited for.
    client_header_timeout 10s;
    client_body_timeout 15s;
    send_timeout 30s;
    reset_timedout_connection on;

    limit_conn_zone $binary_remote_addr zone=per_address:10m;
    limit_conn per_address {CONNECTIONS_PER_ADDRESS};
    limit_conn_status 429;
    map $request_method $login_address {{
        POST $binary_remote_addr;
        default "";
    }}
    map $request_method $login_all {{
        POST "login";
        default "";
    }}
    limit_req_zone $login_address zone=login_address:10m rate={LOGIN_RATE_PER_ADDRESS};
    limit_req_zone $login_all zone=login_all:1m rate={LOGIN_RATE_ALL};
    limit_req_status 429;

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
        {_REFUSALS}

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
            error_page 502 504 =503 @unavailable;
            {_REFUSALS}
        }}

        location ~ ^/(login/|api/v1/auth/token/)$ {{
            limit_req zone=login_address burst={LOGIN_BURST_PER_ADDRESS} nodelay;
            limit_req zone=login_all burst={LOGIN_BURST_ALL} nodelay;
            {_TO_WEB}
        }}

        location / {{
            {_TO_WEB}
        }}

        location @unavailable {{
            {_json(503, "service_unavailable", "The control room server is restarting or busy: nothing was saved. Try again in a few seconds.", RETRY_AFTER)}
        }}
        location @too_large {{
            {_json(413, "too_large", "The request is too large.")}
        }}
        location @too_long {{
            {_json(414, "too_long", "The address (URL) is too long.")}
        }}
        location @too_many {{
            {_json(429, "too_many_requests", "Too many requests from this address: nothing was done. Try again in a few seconds.", RETRY_AFTER)}
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
