"""Assisted grading engine.

`assess()` reads the narrative, the channel, the silent flag and the call-time context gathered
through `cad.context`, and returns an `Assessment`: DA indicators and risk factors, each with the
evidence that triggered it, a recommended grade, a minimum grade and the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cad.context import ContextResult, Finding
from cad.models import Channel, Grade


@dataclass
class Assessment:
    domestic_abuse: bool
    indicators: list[Finding]
    risk_factors: list[Finding]
    recommended_grade: str
    minimum_grade: str
    reasons: list[str]
    banners: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    # The floor set by context (a location marker): going below it needs a supervisor.
    context_floor: str = ""

    def as_dict(self) -> dict:
        return {
            "domestic_abuse": self.domestic_abuse,
            "indicators": [f.as_dict() for f in self.indicators],
            "risk_factors": [f.as_dict() for f in self.risk_factors],
            "recommended_grade": self.recommended_grade,
            "minimum_grade": self.minimum_grade,
            "reasons": list(self.reasons),
            "banners": list(self.banners),
            "context": dict(self.context),
            "context_floor": self.context_floor,
        }


def assess(
    *, narrative: str, channel: str, silent: bool = False, context: list[ContextResult] = ()
) -> Assessment:
    """Assess a call. Pure: reads nothing from the database and records nothing."""
    risk_factors: list[Finding] = []
    reasons: list[str] = []
    banners: list[dict] = []
    minimum = Grade.RESOLUTION
    context_floor = ""
    marked = False
    for result in context:
        risk_factors.extend(result.risk_factors)
        banners.extend(result.banners)
        marked = marked or result.marked
        if result.grade_floor:
            minimum = Grade.more_urgent(minimum, result.grade_floor)
            context_floor = Grade.more_urgent(context_floor, result.grade_floor)
            reasons.append(result.floor_reason or f"Context sets the floor to {result.grade_floor}")
    if silent and channel == Channel.EMERGENCY and marked:
        minimum = Grade.IMMEDIATE
        reasons.append("Silent or abandoned 999 call from a marked number or address: IMMEDIATE")
    recommended = Grade.more_urgent(minimum, Grade.SCHEDULED)
    return Assessment(
        domestic_abuse=False,
        indicators=[],
        risk_factors=risk_factors,
        recommended_grade=recommended,
        minimum_grade=minimum,
        reasons=reasons,
        banners=banners,
        context={r.provider: r.panel for r in context},
        context_floor=context_floor,
    )
