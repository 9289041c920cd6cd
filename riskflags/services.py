"""Every write to markers and victim contacts. One function per action, one transaction each;
each validates, writes the audit trail (the marker's history) and publishes after commit.

The rules (DESIGN.md rule 6): a marker lasts at most 183 days; it applies the moment it
is created and its OIC is told the victim must be informed; no START contact within 72 hours
alerts the OIC and the supervisor; review reminders 14 and 3 days before expiry; extension and
withdrawal are refused until a contact attempt for that purpose is recorded; at `expires_at` the
marker expires by itself. Nothing is deleted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, ReasonRequired, ValidationFailed
from cad.models import Grade
from cad.normalise import normalise_address, normalise_name, normalise_phone
from core.audit import audit_record
from core.locks import lock_row
from core.notifications import notify
from core.roles import MARKER_MANAGERS, MARKER_OVERSEERS, Role, has_role
from core.validation import clean_choice as _choice
from core.validation import clean_text as _text
from riskflags import events, selectors
from riskflags.models import (
    MAX_MARKER_DAYS,
    MAX_MARKER_DURATION,
    REVIEW_REMINDERS,
    START_CONTACT_WITHIN,
    ContactMethod,
    ContactOutcome,
    ContactPurpose,
    Marker,
    MarkerPhone,
    MarkerReminder,
    MarkerStatus,
    ReminderKind,
    RiskLevel,
    VictimContact,
)

logger = logging.getLogger(__name__)

# Clocks on different machines disagree a little; a start "now" typed on a form is not future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_PHONES = 5
UNSET = object()


# --- Helpers -------------------------------------------------------------------------------------


def _aware(value: datetime | None, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{what} must be a date and time.", code="invalid_datetime")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%a %d %b %Y %H:%M")


def _require_manager(actor) -> None:
    if actor is not None and not has_role(actor, *MARKER_MANAGERS):
        raise Forbidden(
            "Only an OIC, a supervisor or an administrator can change markers.",
            code="not_a_marker_manager",
        )


def can_manage_marker(actor, marker: Marker) -> bool:
    """An OIC manages only the markers they are the OIC of; a supervisor or an administrator
    manages any. None is the system (lifecycle tasks)."""
    if actor is None:
        return True
    if has_role(actor, *MARKER_OVERSEERS):
        return True
    return has_role(actor, Role.OIC) and marker.oic_id == actor.pk


def _require_marker_manager(actor, marker: Marker) -> None:
    if not can_manage_marker(actor, marker):
        raise Forbidden(
            f"Only marker #{marker.pk}'s OIC ({marker.oic.get_username()}), a supervisor or an "
            "administrator can change it.",
            code="not_this_markers_oic",
        )


def _staff_with_role(value, role: str, what: str):
    """A user, given as a user or a username, who is active and holds `role`."""
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        username = (value or "").strip()
        if not username:
            raise ValidationFailed(f"The {what} is required (a username).", code=f"{what}_required")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationFailed(f"Unknown {what} '{username}'.", code=f"unknown_{what}")
    if not user.is_active:
        raise ValidationFailed(
            f"The {what} '{user.username}' is not an active account.", code=f"inactive_{what}"
        )
    if not has_role(user, role):
        raise ValidationFailed(
            f"'{user.username}' does not hold the {Role(role).label} role, so cannot be the {what}.",
            code=f"not_{'an' if what[0] in 'aeiou' else 'a'}_{what}",
        )
    return user


def _phones(phone: str = "", phones=()) -> list:
    """Normalised, de-duplicated numbers. An unparseable number is kept as typed (flagged)."""
    found, seen = [], set()
    for raw in [phone, *(phones or [])]:
        parsed = normalise_phone(_text(raw, "phone", 60))
        if parsed.stored and parsed.stored not in seen:
            seen.add(parsed.stored)
            found.append(parsed)
    if len(found) > MAX_PHONES:
        raise ValidationFailed(f"At most {MAX_PHONES} phone numbers.", code="too_many_phones")
    return found


def _require_active(marker: Marker, now: datetime, doing: str) -> None:
    status = marker.status_at(now)
    if status != MarkerStatus.ACTIVE:
        raise Conflict(
            f"Marker #{marker.pk} is {status.lower()}: it cannot be {doing}. An ended marker is "
            "kept as history; create a new marker if the victim needs one.",
            code=f"marker_{status.lower()}",
        )


def _link(marker: Marker) -> str:
    return reverse("marker_detail", args=[marker.pk])


def supervisors_for(marker: Marker) -> list:
    """Who is "the OIC's supervisor" for a marker: the supervisor named on it, or, when none is
    named, every active SUPERVISOR (so an alert is never addressed to nobody)."""
    if marker.supervisor_id and marker.supervisor.is_active:
        return [marker.supervisor]
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct().order_by("pk")
    )


def _validate_period(*, starts_at: datetime, expires_at: datetime, now: datetime) -> None:
    if expires_at <= starts_at:
        raise ValidationFailed("The expiry must be after the start.", code="expires_before_start")
    if expires_at - starts_at > MAX_MARKER_DURATION:
        days = (expires_at - starts_at).days
        raise ValidationFailed(
            f"A marker lasts at most {MAX_MARKER_DAYS} days (six months); this one would last "
            f"{days} days. Set an earlier expiry; it can be extended after a review with the victim.",
            code="marker_too_long",
        )
    if expires_at <= now:
        raise ValidationFailed("The expiry is already in the past.", code="expires_in_past")


# --- Markers -------------------------------------------------------------------------------------


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
    now: datetime | None = None,
) -> Marker:
    """Create an ACTIVE marker. It applies at once (calls from there are graded no lower than its
    floor) and its OIC is told to inform the victim. Raises ValidationFailed (bad dates, unknown
    OIC, missing fields) or Forbidden."""
    now = now or timezone.now()
    _require_manager(actor)
    address = _text(address, "address", 300, required=True)
    normalised = normalise_address(address)
    if not normalised.normalised:
        raise ValidationFailed("The address is required.", code="address_required")
    victim_name = _text(victim_name, "victim name", 200, required=True)
    reason = _text(reason, "reason", 2000, required=True)
    perpetrator_name = _text(perpetrator_name, "perpetrator name", 200)
    _choice(risk_level, RiskLevel, "risk level")
    _choice(grade_floor, Grade, "grade floor")
    starts_at = _aware(starts_at, "starts_at") or now
    expires_at = _aware(expires_at, "expires_at")
    if expires_at is None:
        raise ValidationFailed("The expiry (expires_at) is required.", code="expires_at_required")
    if starts_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "A marker applies from the moment it is created, so it cannot start in the future. "
            "Create it when it should begin.",
            code="starts_in_future",
        )
    _validate_period(starts_at=starts_at, expires_at=expires_at, now=now)
    oic = _staff_with_role(oic, Role.OIC, "oic")
    if supervisor:
        supervisor = _staff_with_role(supervisor, Role.SUPERVISOR, "supervisor")
    numbers = _phones(phone, phones)

    with transaction.atomic():
        marker = Marker.objects.create(
            address=address,
            address_normalised=normalised.normalised,
            postcode=normalised.postcode,
            victim_name=victim_name,
            victim_name_normalised=normalise_name(victim_name),
            perpetrator_name=perpetrator_name,
            reason=reason,
            risk_level=risk_level,
            grade_floor=grade_floor,
            oic=oic,
            supervisor=supervisor or None,
            starts_at=starts_at,
            expires_at=expires_at,
            status=MarkerStatus.ACTIVE,
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        MarkerPhone.objects.bulk_create(
            MarkerPhone(marker=marker, phone=p.stored, phone_raw=p.raw, valid=p.valid)
            for p in numbers
        )
        audit_record(
            actor=actor,
            action="marker.created",
            obj=marker,
            at=now,
            summary=f"Marker created at {address} (floor {grade_floor}), OIC {oic.username}",
            data={
                "address": address,
                "phones": [p.stored for p in numbers],
                "invalid_phones": [p.raw for p in numbers if not p.valid],
                "victim_name": victim_name,
                "perpetrator_name": perpetrator_name,
                "reason": reason,
                "risk_level": risk_level,
                "grade_floor": grade_floor,
                "oic": oic.username,
                "supervisor": supervisor.username if supervisor else None,
                "starts_at": starts_at,
                "expires_at": expires_at,
            },
        )
        notify(
            user=oic,
            kind="marker.inform_victim",
            text=(
                f"New marker #{marker.pk} at {address}: tell {victim_name} about the scheme now: "
                f"it lasts until {_local(expires_at)} and may be withdrawn. Record the START "
                f"contact within 72 hours (by {_local(now + START_CONTACT_WITHIN)})."
            ),
            link=_link(marker),
            dedupe_key=f"marker:{marker.pk}:created",
            now=now,
        )
        events.publish_marker("created", marker)
    return marker


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
    _require_manager(actor)
    changes: dict = {}
    if victim_name is not UNSET:
        changes["victim_name"] = _text(victim_name, "victim name", 200, required=True)
    if perpetrator_name is not UNSET:
        changes["perpetrator_name"] = _text(perpetrator_name, "perpetrator name", 200)
    if reason is not UNSET:
        changes["reason"] = _text(reason, "reason", 2000, required=True)
    if risk_level is not UNSET:
        changes["risk_level"] = _choice(risk_level, RiskLevel, "risk level")
    if grade_floor is not UNSET:
        changes["grade_floor"] = _choice(grade_floor, Grade, "grade floor")
    if oic is not UNSET:
        changes["oic"] = _staff_with_role(oic, Role.OIC, "oic")
    if supervisor is not UNSET:
        changes["supervisor"] = (
            _staff_with_role(supervisor, Role.SUPERVISOR, "supervisor") if supervisor else None
        )
    numbers = _phones("", phones) if phones is not UNSET else None

    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        _require_marker_manager(actor, marker)
        _require_active(marker, now, "edited")
        before, after = {}, {}
        for name, value in changes.items():
            old = getattr(marker, name)
            if old != value:
                before[name] = getattr(old, "username", old)
                after[name] = getattr(value, "username", value)
                setattr(marker, name, value)
        if "grade_floor" in after and Grade.is_below(after["grade_floor"], before["grade_floor"]):
            raise _use_withdrawal(marker, f"lowering its grade floor from {before['grade_floor']}")
        if "victim_name" in after:
            marker.victim_name_normalised = normalise_name(marker.victim_name)
        if numbers is not None:
            old_phones = marker.phones
            new_phones = [p.stored for p in numbers]
            removed = [p for p in old_phones if p not in new_phones]
            if removed:
                raise _use_withdrawal(marker, f"removing {', '.join(removed)}")
            if old_phones != new_phones:
                # A number taken off the marker is kept, marked removed: nothing is deleted.
                marker.phone_numbers.filter(removed_at__isnull=True).exclude(
                    phone__in=new_phones
                ).update(removed_at=now)
                for p in numbers:
                    MarkerPhone.objects.update_or_create(
                        marker=marker,
                        phone=p.stored,
                        defaults={"phone_raw": p.raw, "valid": p.valid, "removed_at": None},
                    )
                before["phones"], after["phones"] = old_phones, new_phones
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
            notify(
                user=marker.oic,
                kind="marker.assigned",
                text=(
                    f"You are now the OIC for marker #{marker.pk} at {marker.address} "
                    f"(expires {_local(marker.expires_at)})."
                ),
                link=_link(marker),
                dedupe_key=f"marker:{marker.pk}:oic:{marker.oic_id}:{now.isoformat()}",
                now=now,
            )
        events.publish_marker("updated", marker)
    return marker


def victim_contact_record(
    *,
    actor,
    marker: Marker,
    purpose: str,
    method: str,
    outcome: str,
    notes: str = "",
    contacted_at: datetime | None = None,
    now: datetime | None = None,
) -> VictimContact:
    """Record one attempt to contact the victim and its outcome. Allowed on an ended marker too
    (e.g. telling her it has expired): a contact record adds to the history, it edits nothing."""
    now = now or timezone.now()
    _require_manager(actor)
    _choice(purpose, ContactPurpose, "purpose")
    _choice(method, ContactMethod, "method")
    _choice(outcome, ContactOutcome, "outcome")
    notes = _text(notes, "notes", 5000)
    contacted_at = _aware(contacted_at, "contacted_at") or now
    if contacted_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "A contact attempt cannot be recorded in the future.", code="contacted_in_future"
        )
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        _require_marker_manager(actor, marker)
        contact = VictimContact.objects.create(
            marker=marker,
            purpose=purpose,
            method=method,
            outcome=outcome,
            notes=notes,
            contacted_at=contacted_at,
            recorded_at=now,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="marker.contact_recorded",
            obj=marker,
            at=now,
            summary=(
                f"{ContactPurpose(purpose).label.split(':')[0]} contact by "
                f"{ContactMethod(method).label.lower()}: {ContactOutcome(outcome).label.lower()}"
            ),
            data={
                "contact": contact.pk,
                "purpose": purpose,
                "method": method,
                "outcome": outcome,
                "notes": notes,
                "contacted_at": contacted_at,
            },
        )
        events.publish_marker("contact_recorded", marker, contact=contact.pk, purpose=purpose)
    return contact


def _contact_required(marker: Marker, purpose: str, doing: str) -> None:
    if not selectors.marker_has_contact(marker, purpose):
        since = marker.last_extended_at if purpose == ContactPurpose.EXTENSION else None
        when = f" since the last extension ({_local(since)})" if since else ""
        raise Conflict(
            f"Marker #{marker.pk} cannot be {doing} yet: no attempt to contact the victim about "
            f"the {purpose.lower()} has been recorded{when}. Record the attempt and its outcome "
            f"first (purpose {purpose}); if contact is impossible, the attempts are the record.",
            code="victim_contact_required",
        )


def marker_withdraw(*, actor, marker: Marker, reason: str, now: datetime | None = None) -> Marker:
    """Withdraw an ACTIVE marker. Refused (Conflict) until a WITHDRAWAL contact attempt is
    recorded, and for a marker that has already ended."""
    now = now or timezone.now()
    _require_manager(actor)
    reason = _text(reason, "reason", 2000)
    if not reason:
        raise ReasonRequired("A reason for the withdrawal is required.")
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        _require_marker_manager(actor, marker)
        _require_active(marker, now, "withdrawn")
        _contact_required(marker, ContactPurpose.WITHDRAWAL, "withdrawn")
        marker.status = MarkerStatus.WITHDRAWN
        marker.withdrawn_at = now
        marker.withdrawn_by = actor
        marker.withdrawal_reason = reason
        marker.updated_at = now
        marker.save()
        contacts = list(
            marker.contacts.filter(purpose=ContactPurpose.WITHDRAWAL).values_list("pk", "outcome")
        )
        audit_record(
            actor=actor,
            action="marker.withdrawn",
            obj=marker,
            at=now,
            summary=f"Marker withdrawn: {reason}",
            data={
                "reason": reason,
                "withdrawal_contacts": [{"id": pk, "outcome": o} for pk, o in contacts],
                "victim_contacted": any(o == ContactOutcome.CONTACTED for _, o in contacts),
            },
        )
        if actor is None or actor.pk != marker.oic_id:
            notify(
                user=marker.oic,
                kind="marker.withdrawn",
                text=f"Marker #{marker.pk} at {marker.address} was withdrawn: {reason}",
                link=_link(marker),
                dedupe_key=f"marker:{marker.pk}:withdrawn",
                now=now,
            )
        events.publish_marker("withdrawn", marker)
    return marker


def marker_extend(
    *, actor, marker: Marker, expires_at: datetime, reason: str, now: datetime | None = None
) -> Marker:
    """Move an ACTIVE marker's expiry later, to at most 183 days from now. Refused (Conflict)
    until an EXTENSION contact attempt is recorded since the marker was last extended."""
    now = now or timezone.now()
    _require_manager(actor)
    reason = _text(reason, "reason", 2000)
    if not reason:
        raise ReasonRequired("A reason for the extension is required.")
    expires_at = _aware(expires_at, "expires_at")
    if expires_at is None:
        raise ValidationFailed(
            "The new expiry (expires_at) is required.", code="expires_at_required"
        )
    if expires_at - now > MAX_MARKER_DURATION:
        raise ValidationFailed(
            f"An extension runs at most {MAX_MARKER_DAYS} days (six months) from today, so the "
            f"new expiry must be on or before {_local(now + MAX_MARKER_DURATION)}.",
            code="marker_too_long",
        )
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        _require_marker_manager(actor, marker)
        _require_active(marker, now, "extended")
        if expires_at <= marker.expires_at:
            raise ValidationFailed(
                f"The new expiry must be later than the current one ({_local(marker.expires_at)}). "
                "To end a marker early, withdraw it.",
                code="extension_not_later",
            )
        _contact_required(marker, ContactPurpose.EXTENSION, "extended")
        previous = marker.expires_at
        marker.expires_at = expires_at
        marker.last_extended_at = now
        marker.updated_at = now
        marker.save()
        audit_record(
            actor=actor,
            action="marker.extended",
            obj=marker,
            at=now,
            summary=f"Marker extended to {_local(expires_at)}: {reason}",
            data={"reason": reason, "from": previous, "to": expires_at},
        )
        if actor is None or actor.pk != marker.oic_id:
            notify(
                user=marker.oic,
                kind="marker.extended",
                text=f"Marker #{marker.pk} at {marker.address} extended to {_local(expires_at)}.",
                link=_link(marker),
                dedupe_key=f"marker:{marker.pk}:extended:{expires_at.isoformat()}",
                now=now,
            )
        events.publish_marker("extended", marker)
    return marker


# --- Lifecycle (run by the `riskflags.lifecycle` beat task) ---------------------------------------


def marker_expire(*, marker_id: int, now: datetime | None = None) -> Marker | None:
    """Expire one marker whose `expires_at` has passed and tell its OIC. Idempotent: a marker
    that is not ACTIVE or not yet due is left alone and None is returned."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status != MarkerStatus.ACTIVE or marker.expires_at > now:
            return None
        marker.status = MarkerStatus.EXPIRED
        marker.expired_at = marker.expires_at
        marker.updated_at = now
        marker.save()
        audit_record(
            actor=None,
            action="marker.expired",
            obj=marker,
            at=now,
            summary=f"Marker expired at {_local(marker.expires_at)}",
            data={"expires_at": marker.expires_at},
        )
        notify(
            user=marker.oic,
            kind="marker.expired",
            text=(
                f"Marker #{marker.pk} at {marker.address} has expired. It stays visible to call "
                f"handlers as history. Make sure {marker.victim_name} knows."
            ),
            link=_link(marker),
            dedupe_key=f"marker:{marker.pk}:expired",
            now=now,
        )
        events.publish_marker("expired", marker)
    return marker


def _reminder_once(*, marker: Marker, kind: str, due_for: datetime, now: datetime) -> bool:
    """Record that a reminder was sent; False when it already was (unique constraint)."""
    try:
        with transaction.atomic():
            MarkerReminder.objects.create(marker=marker, kind=kind, due_for=due_for, sent_at=now)
    except IntegrityError:
        return False
    return True


def marker_start_contact_overdue(*, marker_id: int, now: datetime | None = None) -> bool:
    """Alert the OIC and the supervisor(s) that no START contact was recorded within 72 hours.
    Exactly once per marker; True when the alert was sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status_at(now) != MarkerStatus.ACTIVE:
            return False
        if marker.created_at + START_CONTACT_WITHIN > now:
            return False
        if marker.contacts.filter(purpose=ContactPurpose.START).exists():
            return False
        if not _reminder_once(
            marker=marker,
            kind=ReminderKind.START_CONTACT_OVERDUE,
            due_for=marker.created_at,
            now=now,
        ):
            return False
        supervisors = supervisors_for(marker)
        text = (
            f"Marker #{marker.pk} at {marker.address}: no contact with {marker.victim_name} "
            f"recorded since it started on {_local(marker.created_at)} (72 hours). She must be "
            f"told about the scheme. OIC: {marker.oic.username}."
        )
        for user in [marker.oic, *[s for s in supervisors if s.pk != marker.oic_id]]:
            notify(
                user=user,
                kind="marker.start_contact_overdue",
                text=text,
                link=_link(marker),
                dedupe_key=f"marker:{marker.pk}:start-overdue",
                now=now,
            )
        audit_record(
            actor=None,
            action="marker.start_contact_overdue",
            obj=marker,
            at=now,
            summary="No START contact within 72 hours: OIC and supervisor alerted",
            data={"alerted": [marker.oic.username, *[s.username for s in supervisors]]},
        )
        events.publish_marker("start_contact_overdue", marker)
    return True


def marker_review_remind(*, marker_id: int, now: datetime | None = None) -> str | None:
    """Remind the OIC that the marker is due for review (14 and 3 days before expiry). Exactly
    once per threshold and expiry; returns the reminder kind sent, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status_at(now) != MarkerStatus.ACTIVE:
            return None
        left = marker.expires_at - now
        kind = next((k for k, before in REVIEW_REMINDERS if left <= before), None)
        if kind is None:
            return None
        if not _reminder_once(marker=marker, kind=kind, due_for=marker.expires_at, now=now):
            return None
        days = max(0, int(left.total_seconds() // 86400))
        when = "in less than a day" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        notify(
            user=marker.oic,
            kind="marker.review_due",
            text=(
                f"Marker #{marker.pk} at {marker.address} expires {when} "
                f"({_local(marker.expires_at)}). Review it with {marker.victim_name}: record the "
                "contact, then extend it or let it expire."
            ),
            link=_link(marker),
            dedupe_key=f"marker:{marker.pk}:{kind}:{marker.expires_at.isoformat()}",
            now=now,
        )
        audit_record(
            actor=None,
            action="marker.review_reminder",
            obj=marker,
            at=now,
            summary=f"Review reminder sent to the OIC: expires {when}",
            data={"kind": kind, "expires_at": marker.expires_at},
        )
    return kind


def markers_lifecycle_run(*, now: datetime | None = None, limit: int = 500) -> dict:
    """The periodic sweep: expire due markers, alert on missing START contacts, send review
    reminders. Idempotent: running it again at the same time changes nothing. One marker's
    failure is logged and does not stop the others. At most `limit` markers per step per run,
    so a backlog (e.g. after an import) is worked off over a few runs instead of one long one;
    expiry goes first."""

    now = now or timezone.now()
    counts = {"expired": 0, "start_contact_overdue": 0, "review_reminders": 0, "failed": 0}
    steps = (
        ("expired", selectors.marker_ids_due_to_expire, marker_expire),
        (
            "start_contact_overdue",
            selectors.marker_ids_start_contact_overdue,
            marker_start_contact_overdue,
        ),
        ("review_reminders", selectors.marker_ids_due_for_review, marker_review_remind),
    )
    for name, find, act in steps:
        for marker_id in find(now=now, limit=limit):
            try:
                if act(marker_id=marker_id, now=now):
                    counts[name] += 1
            except Exception:
                counts["failed"] += 1
                logger.exception("marker lifecycle step %s failed for marker %s", name, marker_id)
    return counts
