"""Sections other apps add to the supervisor's alert board (e.g. staffing's shift minimums).

The board belongs to monitoring, but what it shows next to the alerts comes from apps that sit
above monitoring (staffing raises its gaps as monitoring alerts, so monitoring cannot import
it). An app registers a section from its `AppConfig.ready()`, the way `cad.panels` collects the
incident page's panels; the board page and `GET /api/v1/alerts/board/` show every section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BoardSection:
    """One section of the board.

    key: its name in the board API's JSON and in the template's context ("staffing").
    template: the HTML fragment the board page includes; it reads `section.data`.
    read: what the section shows at a given time (called once per board rendering).
    serializer: a factory for the DRF field that turns `read`'s result into JSON (it also
        documents the API schema), e.g. `lambda: ShiftStaffingSerializer(many=True)`.
    order: sections are shown in ascending order.
    """

    key: str
    template: str
    read: Callable[[datetime], object]
    serializer: Callable[[], object]
    order: int = 100


@dataclass(frozen=True)
class SectionData:
    """A section as rendered at one time: the template reads `section.data`."""

    key: str
    template: str
    data: object


_sections: dict[str, BoardSection] = {}


def register_board_section(section: BoardSection) -> None:
    """Add (or replace, by key) a section of the board. Call from `AppConfig.ready()`."""
    _sections[section.key] = section


def board_sections() -> list[BoardSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def board_sections_read(now: datetime) -> list[SectionData]:
    """Every section's data at `now`, in board order."""
    return [SectionData(s.key, s.template, s.read(now)) for s in board_sections()]
