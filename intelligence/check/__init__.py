"""The intelligence check: everything known about a number, an address and names, each item with
why it matched, and what it means for grading (risk factors with evidence, banners, the context
panel). Reads only: storing a check is `intelligence.services`' job.

`result` (the query and the result), `records` (intel records), `history` (previous contacts,
incidents and the repeat-contact pattern), `meaning` (risk factors and banners), `panel` (the
context panel). Location markers come through `cad.context.markers_at`, so intelligence does not
depend on the app that keeps them.
"""

from __future__ import annotations

import time

from cad.context import markers_at
from intelligence.check.history import history_find
from intelligence.check.lookups import lookups_run
from intelligence.check.meaning import interpret
from intelligence.check.panel import panel_for
from intelligence.check.records import records_find
from intelligence.check.result import CheckQuery, CheckResult

__all__ = ["CheckQuery", "CheckResult", "check_compute", "panel_for"]


def check_compute(query: CheckQuery) -> CheckResult:
    """Run the check. Reads only; the caller decides whether to store it."""
    started = time.perf_counter()
    result = CheckResult(query=query)
    if not query.empty:
        # The number's and the premises' records, contacts and incidents in one round trip.
        found = lookups_run(query)
        people = records_find(query, result, found)
        history_find(query, result, found)
        _markers(query, result)
        interpret(query, result, people)
    result.duration_ms = round((time.perf_counter() - started) * 1000)
    return result


def _markers(query: CheckQuery, result: CheckResult) -> None:
    if not (query.phone or query.has_address):
        return
    markers = markers_at(
        phone=query.phone,
        address_normalised=query.address.normalised,
        now=query.now,
        place=query.place,
    )
    if markers is None:  # no app keeps markers: say so rather than show "no markers"
        result.markers_checked = False
        return
    result.markers = markers
