"""The check's first reads, sent together (`core.roundtrip.rows_together`): the intel records
at the caller's number, and the record addresses, contacts and incidents that may be at the
caller's premises. Each of the four is an index look-up that needs no other's answer, so they
go in one round trip; the address candidates are then judged here by the one matcher
(`premises.addressing.judged`), exactly as `rows_at` judges them."""

from __future__ import annotations

from dataclasses import dataclass, field

from cad.models import Contact, Incident
from core.roundtrip import rows_together
from intelligence.check.result import RECORD_LIMIT, CheckQuery
from intelligence.models import IntelRecordAddress, IntelRecordPhone
from premises.addressing import AddressRow, address_candidates, judged
from premises.matching import Match

ADDRESSED = ("id", "premises_id", "address_parts")


@dataclass
class Lookups:
    """What the first reads found."""

    record_ids_by_phone: list[int] = field(default_factory=list)
    # Record addresses at the premises (rows with `record_id`), each with its match.
    record_addresses: list[tuple[AddressRow, Match]] = field(default_factory=list)
    # {row id: match} for the contacts and incidents at the premises.
    contacts_at: dict[int, Match] = field(default_factory=dict)
    incidents_at: dict[int, Match] = field(default_factory=dict)


def lookups_run(query: CheckQuery) -> Lookups:
    """The reads at the query's number and premises, in one round trip (none without either)."""
    reads, place = {}, query.place
    if query.phone:
        reads["phones"] = IntelRecordPhone.objects.filter(phone=query.phone).values("record_id")[
            : RECORD_LIMIT * 2
        ]
    if query.has_address:
        at_premises = {
            "records": address_candidates(
                IntelRecordAddress.objects.values(*ADDRESSED, "record_id"), place
            ),
            "contacts": address_candidates(
                Contact.objects.filter(received_at__lte=query.now).values(*ADDRESSED), place
            ),
            "incidents": address_candidates(
                Incident.objects.filter(received_at__lte=query.now).values(*ADDRESSED), place
            ),
        }
        reads.update({name: qs for name, qs in at_premises.items() if qs is not None})
    found = Lookups()
    if not reads:
        return found
    answers = dict(zip(reads, rows_together(list(reads.values())), strict=True))
    found.record_ids_by_phone = [row["record_id"] for row in answers.get("phones", [])]
    found.record_addresses = judged(map(AddressRow, answers.get("records", [])), place)
    found.contacts_at = {
        row.pk: match for row, match in judged(map(AddressRow, answers.get("contacts", [])), place)
    }
    found.incidents_at = {
        row.pk: match for row, match in judged(map(AddressRow, answers.get("incidents", [])), place)
    }
    return found
