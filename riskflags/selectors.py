"""Reads of markers. No writes here."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from cad.models import Grade
from cad.normalise import normalise_address, normalise_phone
from riskflags.models import Marker, MarkerPhone, MarkerStatus


def _iso(value):
    return value.isoformat() if value else None


def marker_summary(marker: Marker, *, now=None, why_matched: str = "") -> dict:
    """A marker as a plain dict (the shape other apps and the API use)."""
    now = now or timezone.now()
    phones = marker.phones
    status = marker.status_at(now)
    ended_at = marker.withdrawn_at if status == MarkerStatus.WITHDRAWN else None
    if status == MarkerStatus.EXPIRED:
        ended_at = marker.expired_at or marker.expires_at
    return {
        "id": marker.pk,
        "status": status,
        "address": marker.address,
        "address_normalised": marker.address_normalised,
        "phone": phones[0] if phones else "",
        "phones": phones,
        "victim_name": marker.victim_name,
        "perpetrator_name": marker.perpetrator_name,
        "reason": marker.reason,
        "risk_level": marker.risk_level,
        "grade_floor": marker.grade_floor,
        "starts_at": _iso(marker.starts_at),
        "expires_at": _iso(marker.expires_at),
        "withdrawn_at": _iso(marker.withdrawn_at),
        "withdrawal_reason": marker.withdrawal_reason,
        "ended_at": _iso(ended_at),
        "oic": marker.oic.username if marker.oic_id else None,
        "why_matched": why_matched,
    }


def _marker_queryset():
    return Marker.objects.select_related("oic").prefetch_related(
        Prefetch("phone_numbers", queryset=MarkerPhone.objects.order_by("id"))
    )


def markers_matching(*, phone: str = "", address_normalised: str = "", now=None) -> list[dict]:
    """Live and past markers at an E.164 number or a normalised address, most relevant first:
    ACTIVE markers (strongest floor first), then past markers, most recently ended first.

    Each item says `why_matched` ("address", "phone" or "address and phone"). Accepts a raw
    number or address too: both are normalised again, which is harmless for normalised input.
    """
    now = now or timezone.now()
    e164 = normalise_phone(phone).stored if phone else ""
    address = normalise_address(address_normalised).normalised if address_normalised else ""
    if not e164 and not address:
        return []
    condition = Q()
    if address:
        condition |= Q(address_normalised=address)
    if e164:
        condition |= Q(phone_numbers__phone=e164)
    markers = _marker_queryset().filter(pk__in=Marker.objects.filter(condition).values("pk"))
    ranked = []
    for marker in markers:
        reasons = []
        if address and marker.address_normalised == address:
            reasons.append("address")
        if e164 and e164 in marker.phones:
            reasons.append("phone")
        summary = marker_summary(marker, now=now, why_matched=" and ".join(reasons))
        ranked.append((_relevance(marker, summary["status"]), summary))
    ranked.sort(key=lambda pair: pair[0])
    return [summary for _, summary in ranked]


GRADE_ORDER = list(Grade.values)  # most urgent first


def _relevance(marker: Marker, status: str) -> tuple:
    """ACTIVE first (strongest floor, newest), then past markers most recently ended first."""
    if status == MarkerStatus.ACTIVE:
        floor = GRADE_ORDER.index(marker.grade_floor) if marker.grade_floor in GRADE_ORDER else 99
        return (0, floor, -marker.starts_at.timestamp(), -marker.pk)
    ended = marker.withdrawn_at if status == MarkerStatus.WITHDRAWN else None
    ended = ended or marker.expired_at or marker.expires_at
    return (1, 0, -ended.timestamp(), -marker.pk)


def marker_has_contact(*, marker: Marker, purpose: str, since=None) -> bool:
    contacts = marker.contacts.filter(purpose=purpose)
    if since is not None:
        contacts = contacts.filter(contacted_at__gte=since)
    return contacts.exists()


def markers_awaiting_start_contact():
    from riskflags.models import ContactPurpose, VictimContact

    start = VictimContact.objects.filter(marker=OuterRef("pk"), purpose=ContactPurpose.START)
    return Marker.objects.filter(status=MarkerStatus.ACTIVE).exclude(Exists(start))
