"""Shared helpers for the grading tests: assess a narrative and pick out findings by code."""

from cad.context import ContextResult, Finding
from cad.grading import assess


def assess_999(narrative: str, **kwargs):
    return assess(narrative=narrative, channel=kwargs.pop("channel", "999"), **kwargs)


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def finding(findings, code: str):
    return next(f for f in findings if f.code == code)


def marker_context(*, floor: str = "", marked: bool = True, serious: bool = False) -> ContextResult:
    risk = []
    if serious:
        risk.append(
            Finding(
                code="marker_active",
                label="Active location risk marker (special scheme)",
                evidence="special scheme active: ex-husband threatened to kill her",
                source="marker",
                weight="serious",
            )
        )
    return ContextResult(
        provider="riskflags",
        risk_factors=risk,
        grade_floor=floor,
        floor_reason=f"Active special scheme marker: grade no lower than {floor}" if floor else "",
        marked=marked,
        banners=[{"level": "danger", "text": "SPECIAL SCHEME MARKER"}] if marked else [],
        panel={"markers": [{"id": 1, "status": "ACTIVE"}]},
    )
