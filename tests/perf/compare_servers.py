"""One measurement of tests/perf/compare_servers.sh: CLIENTS clients for SECONDS against URL
(tests/perf/load.py), printing latencies and statuses, the CPU the server's processes used per
answered request (processes under the ROOTS pids whose command names daphne, gunicorn or
pgbouncer), PostgreSQL sessions opened and backend active time per request (pg_stat_database of
DB), and the app role's (cad_app) peak connections.

    python tests/perf/compare_servers.py URL TOKEN_FILE CLIENTS SECONDS ROOT_PID[,ROOT_PID...]
"""

import os
import sys
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.load import ConnectionSampler, run_load, summary  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
SERVERS = ("daphne", "gunicorn", "pgbouncer")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, CPU ticks used, command line)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            command = Path(f"/proc/{name}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), command)
    return found


def server_cpu_ms(roots: list[int]) -> float:
    processes, total = _processes(), 0
    for pid, (_, ticks, command) in processes.items():
        ancestor = pid
        for _ in range(6):
            if ancestor in roots:
                if any(server in command for server in SERVERS):
                    total += ticks
                break
            ancestor = processes.get(ancestor, (0,))[0]
            if not ancestor:
                break
    return total * 1000 / TICK


def database_counters(database: str):
    with psycopg2.connect(f"host=127.0.0.1 user=postgres dbname={database}") as conn:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT sessions, active_time FROM pg_stat_database WHERE datname = %s", [database]
            )
            return cursor.fetchone()


def main(url, token_file, clients, seconds, roots):
    database = os.environ.get("DB", "cad_db_stack")
    token = Path(token_file).read_text().strip()
    clients, seconds = int(clients), float(seconds)
    roots = [int(pid) for pid in roots.split(",")]
    cpu_before, db_before = server_cpu_ms(roots), database_counters(database)
    dsn = f"host=127.0.0.1 user=postgres dbname={database}"
    with ConnectionSampler(dsn, "cad_app", database) as sampler:
        samples = run_load(url, token, clients=clients, seconds=seconds)
    cpu, db_after = server_cpu_ms(roots) - cpu_before, database_counters(database)
    answered = max(1, sum(1 for s in samples if 200 <= s.status < 300))
    sessions, active = db_after[0] - db_before[0], db_after[1] - db_before[1]
    print(summary(samples, seconds))
    print(
        f"server CPU {cpu:.0f} ms = {cpu / answered:.1f} ms/request; PostgreSQL sessions opened "
        f"{sessions} ({sessions / answered:.2f}/request); backend active {active:.0f} ms "
        f"({active / answered:.1f} ms/request)"
    )
    print(f"peak cad_app connections {sampler.peak}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:6])
