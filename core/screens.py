"""core's own screen. Every other screen is registered by the app that serves it, from its
`AppConfig.ready()`, with the role set that may open it (`core.roles`)."""

from core.navigation import Screen, register_screen
from core.roles import Role


def register_core_screens() -> None:
    register_screen(
        Screen(
            "admin",
            "Reference data and users",
            "admin:index",
            (Role.ADMIN,),
            "Opening codes, closing codes, users and roles.",
            72,
        )
    )
