"""Which screens each role has. Apps register their screens from `AppConfig.ready()`; the
navigation bar and the role home pages are built from this one table."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Screen:
    key: str
    label: str
    url_name: str | None  # None: a screen that a later release builds ("coming soon")
    roles: tuple[str, ...]
    description: str = ""
    order: int = 100

    @property
    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


_SCREENS: dict[str, Screen] = {}


def register_screen(screen: Screen) -> None:
    """Add or replace a screen (a later app may replace a placeholder with the real page)."""
    _SCREENS[screen.key] = screen


def screens_for(roles: set[str], *, superuser: bool = False) -> list[Screen]:
    found = [s for s in _SCREENS.values() if superuser or roles & set(s.roles)]
    return sorted(found, key=lambda s: (s.order, s.label))
