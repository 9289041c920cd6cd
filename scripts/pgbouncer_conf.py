"""Write PgBouncer's configuration for `make stack` and print the URL the app connects with.

    python scripts/pgbouncer_conf.py CONF_DIR SOCKET_DIR

Reads DATABASE_URL (the app's role, with its password) and CAD_DB_POOL_SIZE (default 10), writes
CONF_DIR/pgbouncer.ini and CONF_DIR/userlist.txt (mode 0600), and prints DATABASE_URL rewritten
to reach PostgreSQL through PgBouncer's unix socket in SOCKET_DIR (no TCP port to collide with
another stack on the same machine). PGBOUNCER_LISTEN_ADDR (e.g. 0.0.0.0, as docker-compose's
`pgbouncer` service sets it) listens on TCP port 6432 as well.

The pool: transaction pooling, at most CAD_DB_POOL_SIZE server connections to the database
(`max_db_connections`, for every role together), however many client connections the web
processes, the Celery worker and beat open; a client waits for a free server connection (up to
`query_wait_timeout`, 10 s) instead of PostgreSQL refusing it with "too many clients already".
When PostgreSQL is down a client is refused at once ("pgbouncer cannot connect to server"),
which the app answers as a 503 (core/dbhealth.py); PgBouncer tries to reconnect every second.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit


def main(conf_dir: str, socket_dir: str) -> None:
    url = urlsplit(os.environ["DATABASE_URL"])
    user, password = unquote(url.username or ""), unquote(url.password or "")
    database = url.path.lstrip("/")
    host = unquote(url.hostname or "127.0.0.1")
    port = url.port or 5432
    pool = int(os.environ.get("CAD_DB_POOL_SIZE", "10"))
    listen_port = 6432
    conf = Path(conf_dir)
    userlist = conf / "userlist.txt"
    userlist.write_text(f'"{user}" "{password}"\n')
    userlist.chmod(0o600)
    ini = conf / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{database} = host={host} port={port} dbname={database}

[pgbouncer]
listen_addr = {os.environ.get("PGBOUNCER_LISTEN_ADDR", "")}
listen_port = {listen_port}
unix_socket_dir = {socket_dir}
auth_type = scram-sha-256
auth_file = {userlist}
pool_mode = transaction
max_client_conn = {int(os.environ.get("CAD_DB_MAX_CLIENTS", "1000"))}
default_pool_size = {pool}
max_db_connections = {pool}
min_pool_size = 0
reserve_pool_size = 0
server_login_retry = 1
query_wait_timeout = 10
server_connect_timeout = 5
server_idle_timeout = 300
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
"""
    )
    ini.chmod(0o600)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{quote(socket_dir, safe='')}"
    print(urlunsplit((url.scheme, f"{netloc}:{listen_port}", url.path, url.query, "")))


if __name__ == "__main__":
    main(*sys.argv[1:3])
