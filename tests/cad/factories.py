"""Factories and helpers for the cad tests."""

from __future__ import annotations

from datetime import datetime

from cad import context as call_context
from cad import services
from cad.context import ContextResult, Finding
from cad.grading import Assessment
from cad.models import Grade
from tests.factories import staff


def call_handler(username: str | None = None):
    return staff("CALL_HANDLER", username=username)


def supervisor(username: str | None = None):
    return staff("SUPERVISOR", username=username)


def incident(*, actor=None, now: datetime | None = None, **kwargs):
    """An incident taken through the real service (a 999 call unless told otherwise)."""
    kwargs.setdefault("channel", "999")
    kwargs.setdefault("narrative", "Man shouting in the street")
    kwargs.setdefault("caller_phone", "07700 900999")
    kwargs.setdefault("address", "1 Test Street, Leeds LS1 1AA")
    return services.incident_create(actor=actor or call_handler(), now=now, **kwargs)


def fake_assessment(
    *,
    domestic_abuse: bool = False,
    recommended: str = Grade.SCHEDULED,
    minimum: str = Grade.RESOLUTION,
    context_floor: str = "",
    indicators=(),
    risk_factors=(),
):
    """An engine stand-in, so the grading *rules* are tested apart from the narrative engine."""

    def _assess(*, narrative, channel, silent=False, context=(), da_answers=None):
        return Assessment(
            domestic_abuse=domestic_abuse,
            indicators=[Finding(c, c.replace("_", " "), e) for c, e in indicators],
            risk_factors=[Finding(c, c.replace("_", " "), e) for c, e in risk_factors],
            recommended_grade=recommended,
            minimum_grade=minimum,
            reasons=[f"test: {recommended}/{minimum}"],
            context={r.provider: r.panel for r in context},
            context_floor=context_floor,
        )

    return _assess


class RecordingProvider:
    """A context provider that records what it was asked and can set a floor or fail."""

    def __init__(self, name="test_provider", *, floor="", fail_attach=False, marked=False):
        self.name = name
        self.floor = floor
        self.fail_attach = fail_attach
        self.marked = marked
        self.queries = []
        self.attached = []

    def gather(self, query):
        self.queries.append(query)
        return ContextResult(
            provider=self.name,
            grade_floor=self.floor,
            floor_reason=f"test floor {self.floor}" if self.floor else "",
            marked=self.marked,
            banners=[{"level": "danger", "text": "TEST MARKER"}] if self.floor else [],
            panel={"records": [{"kind": "TEST", "summary": f"about {query.address.normalised}"}]},
        )

    def attach(self, *, incident, result, actor):
        if self.fail_attach:
            raise RuntimeError("provider broke")
        self.attached.append(incident.pk)

    def incident_fields(self, incident, *, reader):
        return {}


def install_provider(monkeypatch, provider) -> None:
    providers = dict(call_context._PROVIDERS)
    providers[provider.name] = provider
    monkeypatch.setattr(call_context, "_PROVIDERS", providers)
