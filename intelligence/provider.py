"""The `intelligence` context provider: grading asks it about every call (see `cad/context.py`)."""

from __future__ import annotations

import logging

from cad import context as call_context
from cad.context import CallQuery, ContextResult, Reader
from core.roles import INTEL_READERS, has_role
from intelligence.check import CheckQuery, check_compute, panel_for

logger = logging.getLogger(__name__)


class IntelligenceProvider:
    name = "intelligence"
    # Findings from intelligence records, and from previous contacts and incidents.
    finding_sources = ("intel", "history")
    withheld_fields = {"intel_check": None}

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
        banners = list(result.banners)
        reasons = list(result.silent_call_reasons)
        if query.silent and reasons:
            banners.insert(
                0,
                {
                    "level": "danger",
                    "code": "SILENT_CALL",
                    "text": "SILENT OR ABANDONED 999 CALL: "
                    + "; ".join(reasons)
                    + ". Grade IMMEDIATE; below it needs a supervisor.",
                },
            )
        return ContextResult(
            provider=self.name,
            risk_factors=list(result.risk_factors),
            banners=banners,
            panel=panel_for(result.as_dict(), ran_at=query.now.isoformat()),
            silent_call_reasons=reasons,
            state=result,
        )

    def attach(self, *, incident, result: ContextResult, actor) -> None:
        """Store the check on the new incident, as run by the system (it runs again here if it
        could not run while the call was taken). A failure is logged and re-raised: cad's
        isolation keeps the call and flags the incident "check manually"."""
        from intelligence.services import intel_check_attach

        try:
            # cad runs each `attach` in a savepoint of its own (`cad.services.assessment`).
            check = intel_check_attach(
                incident=incident, result=result.state, actor=actor, now=result.gathered_at
            )
        except Exception:
            logger.exception("intelligence check could not be stored for %s", incident.pk)
            raise
        if check is not None:
            # The incident's latest check is this one: its `intel_check` field needs no query.
            call_context.hold(incident, self.name, check)

    def may_read(self, reader: Reader) -> bool:
        """The roles that read intelligence on `/intel/`, and the crew of a unit sent to the
        incident (what their briefing shows): nobody reads it anywhere they could not there."""
        return reader.crew or has_role(reader.user, *INTEL_READERS)

    def incident_fields(self, incident, *, reader: Reader | None) -> dict:
        """`intel_check`: the incident's latest check (None when none ran); the read is audited."""
        from intelligence.selectors import check_dict, incident_latest_check
        from intelligence.services import intel_checks_viewed

        check = call_context.held(incident, self.name)
        if check is None:
            check = incident_latest_check(incident)
        if check is None:
            return {"intel_check": None}
        if reader is not None:
            intel_checks_viewed(actor=reader.user, checks=[check], via=reader.via)
        return {"intel_check": check_dict(check)}


provider = IntelligenceProvider()
