"""Demo data. `manage.py seed_demo` creates one user per role, then runs each app's seeder
(registered from AppConfig.ready()). Every seeder must be idempotent."""

from collections.abc import Callable

from core.roles import Role
from core.staff import staff_create

DEMO_PASSWORD = "demo"

_SEEDERS: list[tuple[int, str, Callable]] = []


def register_demo_seeder(name: str, fn: Callable, order: int = 100) -> None:
    """`fn(stdout)` adds an app's demo data; it must be safe to run again."""
    if name not in {n for _, n, _ in _SEEDERS}:
        _SEEDERS.append((order, name, fn))


def demo_users() -> dict[str, object]:
    users = {}
    for role in Role.values:
        user, _ = staff_create(username=role.lower(), roles=[role], password=DEMO_PASSWORD)
        users[role] = user
    return users


def seed(stdout=None) -> dict:
    users = demo_users()
    for _, name, fn in sorted(_SEEDERS, key=lambda s: (s[0], s[1])):
        fn(stdout)
        if stdout is not None:
            stdout.write(f"  seeded {name}")
    return users
