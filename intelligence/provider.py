"""The `intelligence` context provider: grading asks it about every call (see `cad/context.py`)."""

from __future__ import annotations

import logging

from django.db import transaction

from cad.context import CallQuery, ContextResult
from intelligence.check import CheckQuery, check_compute, panel_for

logger = logging.getLogger(__name__)


class IntelligenceProvider:
    name = "intelligence"

    def gather(self, query: CallQuery) -> ContextResult:
        """Run the check on the call's number, address and names (reads only)."""
        result = check_compute(
            CheckQuery(
                phone=query.phone,
                address=query.address,
                names=tuple(n for n in query.names if len(n) >= 2),
                now=query.now,
                exclude_incident_id=query.exclude_incident_id,
                counts_current_call=True,
                place=query.place,
            )
        )
        return ContextResult(
            provider=self.name,
            risk_factors=list(result.risk_factors),
            banners=list(result.banners),
            panel=panel_for(result.as_dict(), ran_at=query.now.isoformat()),
            state=result,
        )

    def attach(self, *, incident, result: ContextResult, actor) -> None:
        """Store the check on the new incident, as run by the system (it runs again here if it
        could not run while the call was taken). A failure is logged and re-raised: cad's
        isolation keeps the call and flags the incident "check manually"."""
        from intelligence.services import intel_check_attach

        try:
            with transaction.atomic():
                intel_check_attach(
                    incident=incident, result=result.state, actor=actor, now=result.gathered_at
                )
        except Exception:
            logger.exception("intelligence check could not be stored for %s", incident.pk)
            raise

    def incident_fields(self, incident) -> dict:
        from intelligence.selectors import incident_intel_check

        return {"intel_check": incident_intel_check(incident)}


provider = IntelligenceProvider()
