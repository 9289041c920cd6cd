"""Reads of markers. No writes here."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cad.exceptions import NotFound, ValidationFailed
from cad.models import Grade
from cad.names import NAME_MATCH, name_query_keys, name_score
from cad.normalise import normalise_address, normalise_phone
from core.audit import audit_trail
from core.roundtrip import rows_together
from core.validation import clean_choice
from premises.addressing import (
    AddressQuery,
    AddressRow,
    address_candidates,
    address_query,
    judged,
)
from premises.matching import Verdict
from riskflags.models import (
    IN_FORCE,
    REVIEW_WINDOW,
    START_CONTACT_WITHIN,
    ContactPurpose,
    Marker,
    MarkerMatchDismissal,
    MarkerPhone,
    MarkerReminder,
    MarkerStatus,
    ReminderKind,
    VictimContact,
)


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


def markers_matching(
    *,
    phone: str = "",
    address_normalised: str = "",
    now=None,
    place: AddressQuery | None = None,
    incident_id: int | None = None,
) -> list[dict]:
    """Live and past markers at an E.164 number or an address, most relevant first: ACTIVE
    markers (strongest floor first), then past markers, most recently ended first.

    The address is looked up by premises (`place`: the caller's address resolved to the
    register; else `address_normalised`, any written address, is resolved here) with the one
    matcher, so every way of writing the marked premises finds the marker and a neighbouring
    flat does not. Each item says `why_matched` ("address", "phone" or "address and phone")
    and `address_match` ({"verdict": "EXACT"|"PROBABLE", "reason"} or None). A probable
    address match a handler dismissed for `incident_id` is left out (a number match stays).
    """
    now = now or timezone.now()
    e164 = normalise_phone(phone).stored if phone else ""
    if place is None and address_normalised:
        place = address_query(address_normalised)
    if not e164 and place is None:
        return []
    # Index look-ups (premises and blocking keys; number) rather than one OR across a join,
    # which the planner can only answer by scanning every marker; sent together, in one round
    # trip, and the address candidates judged here as `rows_at` judges them.
    reads = {}
    if place is not None:
        candidates = address_candidates(
            Marker.objects.values("id", "premises_id", "address_parts"), place
        )
        if candidates is not None:
            reads["address"] = candidates
    if e164:
        reads["phone"] = MarkerPhone.objects.filter(phone=e164, removed_at__isnull=True).values(
            "marker_id"
        )
    answers = dict(zip(reads, rows_together(list(reads.values())), strict=True))
    by_address = {
        row.pk: match for row, match in judged(map(AddressRow, answers.get("address", [])), place)
    }
    by_phone = {row["marker_id"] for row in answers.get("phone", [])}
    if incident_id and by_address:
        dismissed = set(
            MarkerMatchDismissal.objects.filter(
                incident_id=incident_id, marker_id__in=list(by_address)
            ).values_list("marker_id", flat=True)
        )
        by_address = {k: m for k, m in by_address.items() if m.exact or k not in dismissed}
    ids = set(by_address) | by_phone
    if not ids:
        return []
    ranked = []
    for marker in _marker_queryset().filter(pk__in=ids):
        match = by_address.get(marker.pk)
        reasons = (["address"] if match else []) + (["phone"] if marker.pk in by_phone else [])
        summary = marker_summary(marker, now=now, why_matched=" and ".join(reasons))
        summary["address_match"] = (
            {"verdict": match.verdict, "reason": match.reason} if match else None
        )
        ranked.append((_relevance(marker, summary["status"]), summary))
    ranked.sort(key=lambda pair: pair[0])
    return [summary for _, summary in ranked]


def is_probable(item: dict) -> bool:
    """A marker found only by a probable address match (no number match, not exact)."""
    match = item.get("address_match") or {}
    return match.get("verdict") == Verdict.PROBABLE and "phone" not in item["why_matched"]


GRADE_ORDER = list(Grade.values)  # most urgent first
# At most this many markers found by a name (a common name must not flood the call screen).
NAMED_MARKER_LIMIT = 20


def markers_named(*, names=(), now=None, exclude_ids=()) -> list[dict]:
    """Markers whose victim or perpetrator is one of the call's (canonical) names, through the
    one name matcher (`cad.names`): candidates by the names' keys (indexed), kept when the name
    scores as the same person. Each item's `why_matched` is "victim name ..." or "perpetrator
    name ...", and `name_score` says how sure. Most relevant first, as `markers_matching`."""
    now = now or timezone.now()
    names = [n for n in names if n and len(n) >= 2]
    if not names:
        return []
    keys = {k for n in names for k in name_query_keys(n)}
    # The candidates' names first (most calls name nobody on a marker), the markers themselves
    # only for the names that score as the same person.
    candidates = (
        Marker.objects.filter(Q(victim_name_key__in=keys) | Q(perpetrator_name_key__in=keys))
        .exclude(pk__in=list(exclude_ids))
        .values_list("id", "victim_name_normalised", "perpetrator_name_normalised")[
            :NAMED_MARKER_LIMIT
        ]
    )
    best = {}
    for pk, victim, perpetrator in candidates:
        score, role = max(
            (
                (name_score(n, normalised), role)
                for n in names
                for role, normalised in (("victim", victim), ("perpetrator", perpetrator))
                if normalised
            ),
            default=(0, ""),
        )
        if score >= NAME_MATCH:
            best[pk] = (score, role)
    if not best:
        return []
    ranked = []
    for marker in _marker_queryset().filter(pk__in=list(best)):
        score, role = best[marker.pk]
        shown = marker.victim_name if role == "victim" else marker.perpetrator_name
        why = f"{role} name {'' if score == 100 else 'similar to '}{shown}"
        summary = {**marker_summary(marker, now=now, why_matched=why), "name_score": score}
        ranked.append((_relevance(marker, summary["status"]), summary))
    ranked.sort(key=lambda pair: pair[0])
    return [summary for _, summary in ranked]


def _relevance(marker: Marker, status: str) -> tuple:
    """In force first (strongest floor, newest), then past markers most recently ended first."""
    if status in IN_FORCE:
        floor = GRADE_ORDER.index(marker.grade_floor) if marker.grade_floor in GRADE_ORDER else 99
        return (0, floor, -marker.starts_at.timestamp(), -marker.pk)
    ended = marker.withdrawn_at if status == MarkerStatus.WITHDRAWN else None
    ended = ended or marker.expired_at or marker.expires_at
    return (1, 0, -ended.timestamp(), -marker.pk)


# --- Lists and pages -----------------------------------------------------------------------------

# The marker list's filters: key -> label (the order they show in).
MARKER_FILTERS = {
    "active": "Active",
    "review_due": "Due for review (14 days)",
    "review_overdue": "Review overdue: victim not yet told",
    "awaiting_start": "Awaiting START contact",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
    "all": "All",
}


def marker_get(marker_id) -> Marker:
    try:
        return (
            _marker_queryset()
            .select_related("supervisor", "created_by", "withdrawn_by")
            .annotate(has_start_contact=_has_start_contact())
            .get(pk=marker_id)
        )
    except (Marker.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"Marker {marker_id} not found.") from exc


def _has_start_contact():
    return Exists(VictimContact.objects.filter(marker=OuterRef("pk"), purpose=ContactPurpose.START))


def _live(now) -> Q:
    return Q(status=MarkerStatus.ACTIVE, expires_at__gt=now)


def _review_overdue(now) -> Q:
    """Expiry reached with the victim not yet told (or reached and not yet swept)."""
    return Q(status=MarkerStatus.REVIEW_OVERDUE) | Q(
        status=MarkerStatus.ACTIVE, expires_at__lte=now
    )


def _filter(queryset, show: str, now):
    if show == "active":
        return queryset.filter(_live(now))
    if show == "review_due":
        return queryset.filter(_live(now), expires_at__lte=now + REVIEW_WINDOW)
    if show == "awaiting_start":
        return queryset.filter(_live(now), has_start_contact=False)
    if show == "review_overdue":
        return queryset.filter(_review_overdue(now))
    if show == "expired":
        return queryset.filter(status=MarkerStatus.EXPIRED)
    if show == "withdrawn":
        return queryset.filter(status=MarkerStatus.WITHDRAWN)
    return queryset


def marker_list(
    *,
    show: str = "active",
    q: str = "",
    oic=None,
    oic_username: str = "",
    status: str = "",
    now=None,
):
    """Markers for the list screens and the API. `show` is one of MARKER_FILTERS; `q` searches
    the address, the victim's name and numbers; `status` narrows to a stored status."""
    now = now or timezone.now()
    if show not in MARKER_FILTERS:
        raise ValidationFailed(
            f"Unknown filter '{show}'. Use one of: {', '.join(MARKER_FILTERS)}.",
            code="unknown_filter",
        )
    if status:
        clean_choice(status, MarkerStatus, "status")
    queryset = (
        _marker_queryset()
        .select_related("supervisor", "created_by", "withdrawn_by")
        .annotate(has_start_contact=_has_start_contact())
    )
    queryset = _filter(queryset, show, now)
    if status:
        queryset = _filter(queryset, status.lower(), now)
    if oic is not None:
        queryset = queryset.filter(oic=oic)
    if oic_username:
        queryset = queryset.filter(oic__username=oic_username)
    q = (q or "").strip()
    if q:
        match = Q(address__icontains=q) | Q(victim_name__icontains=q)
        address = normalise_address(q).normalised
        if address:
            match |= Q(address_normalised__contains=address)
        phone = normalise_phone(q)
        if phone.e164:
            match |= Q(
                pk__in=MarkerPhone.objects.filter(phone=phone.e164, removed_at__isnull=True).values(
                    "marker"
                )
            )
        queryset = queryset.filter(match)
    if show in ("active", "review_due", "awaiting_start"):
        return queryset.order_by("expires_at", "id")
    return queryset.order_by("-updated_at", "-id")


def marker_counts(*, oic=None, now=None) -> dict[str, int]:
    """How many markers each list filter shows (for the filter tabs)."""
    now = now or timezone.now()
    queryset = Marker.objects.annotate(has_start_contact=_has_start_contact())
    if oic is not None:
        queryset = queryset.filter(oic=oic)
    return {key: _filter(queryset, key, now).count() for key in MARKER_FILTERS}


# Contacts that tell the victim her marker is ending (a review, or a withdrawal): with one of
# these since the start or the last extension, a marker may expire.
REVIEW_PURPOSES = (ContactPurpose.REVIEW, ContactPurpose.WITHDRAWAL)


def marker_has_review_contact(marker: Marker, *, any_outcome_purpose: bool = False) -> bool:
    """Whether the victim was contacted (an attempt and its outcome recorded) about the
    marker's end since its start or last extension: a REVIEW or WITHDRAWAL contact, or with
    `any_outcome_purpose` an EXTENSION contact too (the OIC is about to extend)."""
    purposes = (
        [*REVIEW_PURPOSES, ContactPurpose.EXTENSION] if any_outcome_purpose else REVIEW_PURPOSES
    )
    return marker.contacts.filter(
        purpose__in=purposes, contacted_at__gte=marker.review_period_start
    ).exists()


def marker_has_contact(marker: Marker, purpose: str) -> bool:
    """Whether a contact attempt for `purpose` that counts has been recorded. For an EXTENSION
    only attempts recorded after the last extension count towards the next one."""
    contacts = marker.contacts.filter(purpose=purpose)
    if purpose == ContactPurpose.EXTENSION and marker.last_extended_at is not None:
        contacts = contacts.filter(recorded_at__gt=marker.last_extended_at)
    return contacts.exists()


def marker_contacts(marker: Marker):
    return marker.contacts.select_related("recorded_by").order_by("-contacted_at", "-id")


def marker_history(marker: Marker):
    """The marker's full history (its audit trail), oldest first."""
    return audit_trail(marker)


def marker_due(marker: Marker, *, now=None) -> list[dict]:
    """What the OIC must do next about one marker: [{"text", "severity", "due_at"}]."""
    now = now or timezone.now()
    status = marker.status_at(now)
    if status == MarkerStatus.REVIEW_OVERDUE:
        return [
            {
                "code": "review_overdue",
                "text": "Expiry reached, victim not yet told: contact her and record the "
                "attempt, then extend the marker or let it end",
                "severity": "danger",
                "due_at": marker.expires_at,
            }
        ]
    if status != MarkerStatus.ACTIVE:
        return []
    items = []
    has_start = getattr(marker, "has_start_contact", None)
    if has_start is None:
        has_start = marker.contacts.filter(purpose=ContactPurpose.START).exists()
    if not has_start:
        due_at = marker.created_at + START_CONTACT_WITHIN
        overdue = due_at <= now
        items.append(
            {
                "code": "start_contact",
                "text": (
                    "Tell the victim about the scheme: START contact "
                    + ("OVERDUE" if overdue else "due")
                ),
                "severity": "danger" if overdue else "warning",
                "due_at": due_at,
            }
        )
    if marker.expires_at <= now + REVIEW_WINDOW:
        items.append(
            {
                "code": "review",
                "text": "Review with the victim, then extend or let it expire",
                "severity": "danger" if marker.expires_at <= now + timedelta(days=3) else "warning",
                "due_at": marker.expires_at,
            }
        )
    return items


def oic_markers(*, oic, now=None) -> list[dict]:
    """The OIC's markers in force (live, or review-overdue), what is due first, each with its
    due items."""
    now = now or timezone.now()
    markers = marker_list(show="all", oic=oic, now=now).filter(_live(now) | _review_overdue(now))
    rows = [{"marker": m, "due": marker_due(m, now=now)} for m in markers]
    far_future = now + timedelta(days=3650)
    rows.sort(
        key=lambda row: (
            0 if row["due"] else 1,
            min((d["due_at"] for d in row["due"]), default=far_future),
            row["marker"].expires_at,
        )
    )
    return rows


def oic_recently_ended(*, oic, now=None, days: int = 30):
    """The OIC's markers that ended in the last `days` days (so she can be told)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    return (
        _marker_queryset()
        .filter(oic=oic)
        .filter(
            Q(status=MarkerStatus.WITHDRAWN, withdrawn_at__gte=since)
            | Q(status=MarkerStatus.EXPIRED, expires_at__gte=since)
        )
        .order_by("-updated_at")
    )


# --- For the lifecycle sweep ---------------------------------------------------------------------


def _review_contact_since_period_start(purposes) -> Exists:
    return Exists(
        VictimContact.objects.filter(
            marker=OuterRef("pk"),
            purpose__in=purposes,
            contacted_at__gte=Coalesce(OuterRef("last_extended_at"), OuterRef("starts_at")),
        )
    )


def marker_ids_due_to_expire(*, now, limit: int | None = None) -> list[int]:
    """ACTIVE markers past their expiry, and REVIEW_OVERDUE ones whose victim has now been
    contacted about the marker's end."""
    return list(
        Marker.objects.filter(
            Q(status=MarkerStatus.ACTIVE, expires_at__lte=now)
            | Q(status=MarkerStatus.REVIEW_OVERDUE)
            & Q(_review_contact_since_period_start(REVIEW_PURPOSES))
        )
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def marker_ids_review_overdue(*, now, limit: int | None = None) -> list[int]:
    """REVIEW_OVERDUE markers with no contact attempt since their start or last extension:
    their OIC and supervisor are alerted daily."""
    purposes = [*REVIEW_PURPOSES, ContactPurpose.EXTENSION]
    return list(
        Marker.objects.filter(status=MarkerStatus.REVIEW_OVERDUE)
        .exclude(_review_contact_since_period_start(purposes))
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def marker_ids_start_contact_overdue(*, now, limit: int | None = None) -> list[int]:
    already = MarkerReminder.objects.filter(
        marker=OuterRef("pk"), kind=ReminderKind.START_CONTACT_OVERDUE
    )
    return list(
        Marker.objects.filter(_live(now), created_at__lte=now - START_CONTACT_WITHIN)
        .annotate(has_start_contact=_has_start_contact())
        .filter(has_start_contact=False)
        .exclude(Exists(already))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def marker_ids_due_for_review(*, now, limit: int | None = None) -> list[int]:
    """Live markers inside the review window whose current reminder has not been sent."""

    def sent(kind):
        return Exists(
            MarkerReminder.objects.filter(
                marker=OuterRef("pk"), kind=kind, due_for=OuterRef("expires_at")
            )
        )

    return list(
        Marker.objects.filter(_live(now), expires_at__lte=now + REVIEW_WINDOW)
        .exclude(sent(ReminderKind.REVIEW_3_DAYS))
        .exclude(Q(expires_at__gt=now + timedelta(days=3)) & sent(ReminderKind.REVIEW_14_DAYS))
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
