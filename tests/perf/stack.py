"""Helpers for benchmarks that run the real `make stack` (scripts/stack.sh: PgBouncer, nginx,
gunicorn, daphne, Celery worker and beat under supervisord), and a throwaway PostgreSQL cluster
to restart."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(
    os.environ.get("PG_BIN")
    or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)),
        "/usr/lib/postgresql/15/bin",
    )
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, seconds: float, every: float = 0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def running_stack(stack_dir: Path, *, owner_url: str, app_user: str, redis_url: str, **extra):
    """`scripts/stack.sh` on a free port, migrating with `owner_url` and serving as `app_user`
    (created by the script). Yields the port; stops the whole process group afterwards. The log
    is `stack_dir/stack.log`."""
    port = free_port()
    env = {
        **os.environ,
        "PY": str(ROOT / ".venv/bin/python"),
        "PORT": str(port),
        "STACK_DIR": str(stack_dir),
        "DATABASE_URL": owner_url,
        "CAD_APP_DB_USER": app_user,
        "REDIS_URL": redis_url,
        **{key: str(value) for key, value in extra.items()},
    }
    env.pop("MIGRATE_DATABASE_URL", None)
    env.pop("CONN_MAX_AGE", None)
    log = open(stack_dir / "stack.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        ["scripts/stack.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for("the stack to answer /readyz", lambda: process.poll() is None and ready(port), 240)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(f"/tmp/cad-pgbouncer-{port}", ignore_errors=True)  # PgBouncer's socket


def _as_postgres(args, **kwargs):
    """Run a PostgreSQL server tool; as root, as the `postgres` user (the server refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + [str(a) for a in args], check=True, capture_output=True,
                          text=True, **kwargs)  # fmt: skip


class ThrowawayCluster:
    """A private PostgreSQL cluster (initdb in a temporary directory, trust auth, on a free
    port), so a benchmark can stop and restart PostgreSQL without touching the shared server."""

    def __init__(self, max_connections: int = 40):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cad-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        _as_postgres([PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        self.options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={max_connections} -c shared_buffers=64MB"
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def start(self):
        _as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-o", self.options, "-w", "-t", "60",
                      "-l", self.dir / "server.log", "start"])  # fmt: skip

    def stop(self, mode: str = "fast"):
        _as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def createdb(self, name: str):
        _as_postgres([PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres",
                      name])  # fmt: skip

    def remove(self):
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.dir, ignore_errors=True)
