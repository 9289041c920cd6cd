"""Creating a marker and correcting its details. A marker applies the moment it is created and its
OIC is told the victim must be informed; an edit may strengthen it, never weaken it (that is a
withdrawal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cad.exceptions import Conflict, ValidationFailed
from cad.models import Grade
from cad.names import canonical_name
from cad.normalise import Address, Phone, normalise_address
from core.audit import audit_record
from core.locks import lock_row
from core.roles import Role
from core.validation import clean_choice, clean_text
from premises.addressing import address_fields_for, premises_resolve
from riskflags import events
from riskflags.models import (
    IN_FORCE,
    START_CONTACT_WITHIN,
    Marker,
    MarkerPhone,
    MarkerStatus,
    RiskLevel,
)
from riskflags.services.rules import (
    CLOCK_SKEW,
    MAX_NAME,
    MAX_REASON,
    aware,
    clean_phones,
    local,
    require_active,
    require_manager,
    require_marker_manager,
    staff_with_role,
    tell,
    validate_period,
)

# "Leave this field as it is" in `marker_update` (None is a value: no supervisor).
UNSET = object()


@dataclass(frozen=True)
class Duplicate:
    """An in-force marker that a new one would repeat, and what they share."""

    marker: Marker
    matched_on: tuple[str, ...]  # "premises" (same UPRN), "address", "victim", "phone"

    def as_dict(self) -> dict:
        m = self.marker
        return {
            "id": m.pk,
            "address": m.address,
            "victim_name": m.victim_name,
            "grade_floor": m.grade_floor,
            "status": m.status,
            "expires_at": m.expires_at.isoformat(),
            "oic": m.oic.get_username(),
            "matched_on": list(self.matched_on),
        }


class DuplicateMarkers(Conflict):
    """The new marker repeats in-force ones (same premises/address, victim or number): 409
    `duplicate_marker` with `duplicates`; create it anyway with `confirm_duplicate`."""

    default_code = "duplicate_marker"

    def __init__(self, duplicates: list[Duplicate]):
        ids = ", ".join(f"#{d.marker.pk}" for d in duplicates)
        super().__init__(
            f"An active marker already covers this ({ids}: same "
            f"{' / '.join(sorted({w for d in duplicates for w in d.matched_on}))}). Check it "
            "before creating another; confirm to create this one as well."
        )
        self.duplicates = duplicates


@dataclass(frozen=True)
class _NewMarker:
    """A marker's validated details, ready to write."""

    address: str
    uprn: str
    normalised: Address
    victim_name: str
    reason: str
    perpetrator_name: str
    risk_level: str
    grade_floor: str
    starts_at: datetime
    expires_at: datetime
    oic: object
    supervisor: object
    numbers: list[Phone]


def marker_create(
    *,
    actor,
    address: str,
    victim_name: str,
    reason: str,
    expires_at: datetime,
    oic,
    phone: str = "",
    phones=(),
    perpetrator_name: str = "",
    risk_level: str = RiskLevel.HIGH,
    grade_floor: str = Grade.IMMEDIATE,
    starts_at: datetime | None = None,
    supervisor=None,
    uprn: str = "",
    confirm_duplicate: bool = False,
    now: datetime | None = None,
) -> Marker:
    """Create an ACTIVE marker at `address` (resolved to the premises register; `uprn` when the
    OIC picked the premises). It applies at once (calls from there are graded no lower than its
    floor) and its OIC is told to inform the victim. Numbers are validated and stored in E.164
    (`clean_phones`). A marker that repeats an in-force one (same premises/UPRN or address,
    same victim, or a shared number: there is one kind of marker) is refused with
    DuplicateMarkers (409 `duplicate_marker`, listing them) unless `confirm_duplicate`; a
    confirmed duplicate is created and its audit event names the markers it repeats. Raises
    ValidationFailed (bad dates, unknown OIC, missing fields, `phone_invalid`), DuplicateMarkers
    or Forbidden."""
    now = now or timezone.now()
    require_manager(actor)
    new = _validated_marker(
        address=address,
        uprn=uprn,
        victim_name=victim_name,
        reason=reason,
        perpetrator_name=perpetrator_name,
        risk_level=risk_level,
        grade_floor=grade_floor,
        starts_at=starts_at,
        expires_at=expires_at,
        oic=oic,
        supervisor=supervisor,
        phone=phone,
        phones=phones,
        now=now,
    )
    duplicates = marker_duplicates(new, now=now)
    if duplicates and not confirm_duplicate:
        raise DuplicateMarkers(duplicates)
    with transaction.atomic():
        marker = _marker_insert(new, actor=actor, now=now)
        _audit_created(marker, new, actor=actor, now=now, duplicates=duplicates)
        tell(
            new.oic,
            marker,
            kind="marker.inform_victim",
            text=(
                f"New marker #{marker.pk} at {new.address}: tell {new.victim_name} about the "
                f"scheme now: it lasts until {local(new.expires_at)} and may be withdrawn. Record "
                f"the START contact within 72 hours (by {local(now + START_CONTACT_WITHIN)})."
            ),
            key="created",
            now=now,
        )
        events.publish_marker("created", marker)
    return marker


def _validated_marker(
    *,
    address,
    uprn,
    victim_name,
    reason,
    perpetrator_name,
    risk_level,
    grade_floor,
    starts_at,
    expires_at,
    oic,
    supervisor,
    phone,
    phones,
    now: datetime,
) -> _NewMarker:
    address = clean_text(address, "address", 300, required=True)
    normalised = normalise_address(address)
    if not normalised.normalised:
        raise ValidationFailed("The address is required.", code="address_required")
    victim_name = clean_text(victim_name, "victim name", MAX_NAME, required=True)
    reason = clean_text(reason, "reason", MAX_REASON, required=True)
    perpetrator_name = clean_text(perpetrator_name, "perpetrator name", MAX_NAME)
    clean_choice(risk_level, RiskLevel, "risk level")
    clean_choice(grade_floor, Grade, "grade floor")
    starts_at = aware(starts_at, "starts_at") or now
    expires_at = aware(expires_at, "expires_at")
    if expires_at is None:
        raise ValidationFailed("The expiry (expires_at) is required.", code="expires_at_required")
    if starts_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "A marker applies from the moment it is created, so it cannot start in the future. "
            "Create it when it should begin.",
            code="starts_in_future",
        )
    validate_period(starts_at=starts_at, expires_at=expires_at, now=now)
    oic = staff_with_role(oic, Role.OIC, "oic")
    if supervisor:
        supervisor = staff_with_role(supervisor, Role.SUPERVISOR, "supervisor")
    return _NewMarker(
        address=address,
        uprn=clean_text(uprn, "uprn", 12),
        normalised=normalised,
        victim_name=victim_name,
        reason=reason,
        perpetrator_name=perpetrator_name,
        risk_level=risk_level,
        grade_floor=grade_floor,
        starts_at=starts_at,
        expires_at=expires_at,
        oic=oic,
        supervisor=supervisor or None,
        numbers=clean_phones(phone, phones),
    )


def marker_duplicates(new: _NewMarker, *, now: datetime) -> list[Duplicate]:
    """The in-force markers a new one would repeat, oldest first, with what they share."""
    premises = premises_resolve(address=new.address, uprn=new.uprn or None).premises
    victim = canonical_name(new.victim_name)[:200]
    phones = {p.stored for p in new.numbers}
    same = Q(address_normalised=new.normalised.normalised) | Q(victim_name_normalised=victim)
    if premises is not None:
        same |= Q(premises=premises)
    if phones:
        same |= Q(phone_numbers__phone__in=phones)
    found = []
    candidates = (
        Marker.objects.filter(same, status__in=IN_FORCE)
        .select_related("oic")
        .prefetch_related("phone_numbers")
        .distinct()
        .order_by("created_at", "id")
    )
    for marker in candidates:
        if marker.status_at(now) not in IN_FORCE:
            continue
        matched = []
        if premises is not None and marker.premises_id == premises.pk:
            matched.append("premises")
        if marker.address_normalised == new.normalised.normalised:
            matched.append("address")
        if victim and marker.victim_name_normalised == victim:
            matched.append("victim")
        if phones & {p.phone for p in marker.phone_numbers.all()}:
            matched.append("phone")
        if matched:
            found.append(Duplicate(marker=marker, matched_on=tuple(matched)))
    return found


def _marker_insert(new: _NewMarker, *, actor, now: datetime) -> Marker:
    marker = Marker.objects.create(
        address=new.address,
        address_normalised=new.normalised.normalised,
        **address_fields_for(new.address, uprn=new.uprn or None),
        postcode=new.normalised.postcode,
        victim_name=new.victim_name,
        perpetrator_name=new.perpetrator_name,
        reason=new.reason,
        risk_level=new.risk_level,
        grade_floor=new.grade_floor,
        oic=new.oic,
        supervisor=new.supervisor,
        starts_at=new.starts_at,
        expires_at=new.expires_at,
        status=MarkerStatus.ACTIVE,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    MarkerPhone.objects.bulk_create(
        MarkerPhone(marker=marker, phone=p.stored, phone_raw=p.raw, valid=p.valid)
        for p in new.numbers
    )
    return marker


def _audit_created(marker: Marker, new: _NewMarker, *, actor, now: datetime, duplicates=()) -> None:
    audit_record(
        actor=actor,
        action="marker.created",
        obj=marker,
        at=now,
        summary=(
            f"Marker created at {new.address} (floor {new.grade_floor}), OIC {new.oic.username}"
        ),
        data={
            "address": new.address,
            "phones": [p.stored for p in new.numbers],
            "invalid_phones": [p.raw for p in new.numbers if not p.valid],
            "victim_name": new.victim_name,
            "perpetrator_name": new.perpetrator_name,
            "reason": new.reason,
            "risk_level": new.risk_level,
            "grade_floor": new.grade_floor,
            "oic": new.oic.username,
            "supervisor": new.supervisor.username if new.supervisor else None,
            "starts_at": new.starts_at,
            "expires_at": new.expires_at,
            # Created although it repeats these in-force markers (the creator confirmed).
            "confirmed_duplicates": [d.as_dict() for d in duplicates],
        },
    )


def _use_withdrawal(marker: Marker, doing: str) -> Conflict:
    return Conflict(
        f"Marker #{marker.pk} cannot be weakened by editing ({doing}): that is a withdrawal. "
        "Withdraw the marker (after a recorded contact attempt with the victim) and create a new "
        "one.",
        code="use_withdrawal",
    )


def marker_update(
    *,
    actor,
    marker: Marker,
    victim_name=UNSET,
    perpetrator_name=UNSET,
    reason=UNSET,
    risk_level=UNSET,
    grade_floor=UNSET,
    oic=UNSET,
    supervisor=UNSET,
    phones=UNSET,
    now: datetime | None = None,
) -> Marker:
    """Correct an ACTIVE marker's details (not its address or dates: extend or withdraw for
    those). An expired or withdrawn marker is history and cannot be edited (Conflict). Lowering
    the grade floor or removing a number weakens the protection and is refused (Conflict
    `use_withdrawal`); raising the floor and adding numbers are allowed. Only the marker's OIC,
    a supervisor or an administrator may edit it (Forbidden)."""
    now = now or timezone.now()
    require_manager(actor)
    changes = _validated_changes(
        victim_name=victim_name,
        perpetrator_name=perpetrator_name,
        reason=reason,
        risk_level=risk_level,
        grade_floor=grade_floor,
        oic=oic,
        supervisor=supervisor,
    )
    numbers = clean_phones("", phones) if phones is not UNSET else None
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        require_marker_manager(actor, marker)
        require_active(marker, now, "edited")
        before, after = _apply_changes(marker, changes)
        if numbers is not None:
            _apply_phones(marker, numbers, before=before, after=after, now=now)
        if not after:
            return marker
        marker.updated_at = now
        marker.save()
        audit_record(
            actor=actor,
            action="marker.updated",
            obj=marker,
            at=now,
            summary=f"Marker details changed: {', '.join(sorted(after))}",
            data={"before": before, "after": after},
        )
        if "oic" in after:
            tell(
                marker.oic,
                marker,
                kind="marker.assigned",
                text=(
                    f"You are now the OIC for marker #{marker.pk} at {marker.address} "
                    f"(expires {local(marker.expires_at)})."
                ),
                key=f"oic:{marker.oic_id}:{now.isoformat()}",
                now=now,
            )
        events.publish_marker("updated", marker)
    return marker


def _validated_changes(
    *, victim_name, perpetrator_name, reason, risk_level, grade_floor, oic, supervisor
) -> dict:
    """The validated new value of every field given (not UNSET), by model field name."""
    changes: dict = {}
    if victim_name is not UNSET:
        changes["victim_name"] = clean_text(victim_name, "victim name", MAX_NAME, required=True)
    if perpetrator_name is not UNSET:
        changes["perpetrator_name"] = clean_text(perpetrator_name, "perpetrator name", MAX_NAME)
    if reason is not UNSET:
        changes["reason"] = clean_text(reason, "reason", MAX_REASON, required=True)
    if risk_level is not UNSET:
        changes["risk_level"] = clean_choice(risk_level, RiskLevel, "risk level")
    if grade_floor is not UNSET:
        changes["grade_floor"] = clean_choice(grade_floor, Grade, "grade floor")
    if oic is not UNSET:
        changes["oic"] = staff_with_role(oic, Role.OIC, "oic")
    if supervisor is not UNSET:
        changes["supervisor"] = (
            staff_with_role(supervisor, Role.SUPERVISOR, "supervisor") if supervisor else None
        )
    return changes


def _apply_changes(marker: Marker, changes: dict) -> tuple[dict, dict]:
    """Set the changed fields on the locked marker. Returns (before, after) of what changed,
    people by username. Raises Conflict `use_withdrawal` for a lower grade floor."""
    before, after = {}, {}
    for name, value in changes.items():
        old = getattr(marker, name)
        if old != value:
            before[name] = getattr(old, "username", old)
            after[name] = getattr(value, "username", value)
            setattr(marker, name, value)
    if "grade_floor" in after and Grade.is_below(after["grade_floor"], before["grade_floor"]):
        raise _use_withdrawal(marker, f"lowering its grade floor from {before['grade_floor']}")
    return before, after


def _apply_phones(
    marker: Marker, numbers: list[Phone], *, before: dict, after: dict, now: datetime
) -> None:
    """Give the marker these numbers. Adding is allowed; removing one is refused (Conflict
    `use_withdrawal`). Records the change in `before`/`after`."""
    old_phones = marker.phones
    new_phones = [p.stored for p in numbers]
    removed = [p for p in old_phones if p not in new_phones]
    if removed:
        raise _use_withdrawal(marker, f"removing {', '.join(removed)}")
    if old_phones == new_phones:
        return
    # A number taken off the marker is kept, marked removed: nothing is deleted.
    marker.phone_numbers.filter(removed_at__isnull=True).exclude(phone__in=new_phones).update(
        removed_at=now
    )
    for p in numbers:
        MarkerPhone.objects.update_or_create(
            marker=marker,
            phone=p.stored,
            defaults={"phone_raw": p.raw, "valid": p.valid, "removed_at": None},
        )
    before["phones"], after["phones"] = old_phones, new_phones
