"""Version tokens for the QA screens: a short string that changes when the diverts, their QA
findings or urgent flags (and, for a timeline, its incident) change. The page renders one and,
on a live push or a reconnect, compares it with a fresh one, so "changed since this page
loaded" is said only when something did change (static/js/live_version.js)."""

import hashlib

from django.db.models import Count, Max, Q

from cad.selectors import incident_version
from dispatch.models import Divert
from reports.models import DivertFinding, DivertUrgentFlag


def _digest(*parts) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def _divert_parts(diverts: Q | None = None) -> tuple:
    scope = Divert.objects.all() if diverts is None else Divert.objects.filter(diverts)
    ids = scope.values("id")
    return (
        scope.aggregate(n=Count("id"), last=Max("id"), reviewed=Max("reviewed_at")),
        DivertFinding.objects.filter(divert__in=ids).aggregate(n=Count("id"), last=Max("id")),
        DivertUrgentFlag.objects.filter(divert__in=ids).aggregate(n=Count("id"), last=Max("id")),
    )


def diverts_version() -> str:
    """The divert tag list's token: every divert, its review, QA findings and urgent flags."""
    return _digest(_divert_parts())


def timeline_version(incident_id: int) -> str:
    """An incident's QA timeline token: the incident (cad.selectors.incident_version) and the
    diverts from or to it with their findings and flags. Raises NotFound."""
    return _digest(
        incident_version(incident_id),
        _divert_parts(Q(from_incident_id=incident_id) | Q(to_incident_id=incident_id)),
    )
