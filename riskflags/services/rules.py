"""The rules every marker service shares: who may change a marker, what a marker's dates and
numbers may be, that an ended marker is history, and how its OIC and supervisors are told."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, ValidationFailed
from cad.normalise import Phone, normalise_phone
from core.notifications import notify
from core.roles import MARKER_MANAGERS, MARKER_OVERSEERS, Role, has_role
from core.timefmt import local_display
from core.validation import clean_text
from riskflags import selectors
from riskflags.models import (
    IN_FORCE,
    MAX_MARKER_DAYS,
    MAX_MARKER_DURATION,
    ContactPurpose,
    Marker,
)

# Clocks on different machines disagree a little; a start "now" typed on a form is not future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_PHONES = 5
MAX_NAME = 200
MAX_REASON = 2000


def aware(value: datetime | None, what: str) -> datetime | None:
    """`value` as an aware datetime (naive ones are taken as local time), or None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{what} must be a date and time.", code="invalid_datetime")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def local(value: datetime) -> str:
    """A time as people in the control room read it (Europe/London)."""
    return local_display(value, "%a %d %b %Y %H:%M")


def require_manager(actor) -> None:
    """Raises Forbidden unless `actor` is the system (None) or may manage markers at all."""
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


def require_marker_manager(actor, marker: Marker) -> None:
    if not can_manage_marker(actor, marker):
        raise Forbidden(
            f"Only marker #{marker.pk}'s OIC ({marker.oic.get_username()}), a supervisor or an "
            "administrator can change it.",
            code="not_this_markers_oic",
        )


def staff_with_role(value, role: str, what: str):
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


def clean_phones(phone: str = "", phones=()) -> list[Phone]:
    """Normalised (E.164, `cad.normalise.normalise_phone`: the `phonenumbers` library, GB by
    default), de-duplicated numbers. A marker's number is what calls are matched by, so one that
    is not a telephone number ("abcdefg", "999", too short or too long) is refused:
    ValidationFailed `phone_invalid` with the field error on `phones`."""
    found, seen = [], set()
    for raw in [phone, *(phones or [])]:
        parsed = normalise_phone(clean_text(raw, "phone", 60))
        if not parsed.valid:
            message = (
                f"“{parsed.raw}” is not a phone number. Give a UK number (e.g. 07700 900123, "
                "0113 496 0000) or an international one starting with +."
            )
            raise ValidationFailed(message, code="phone_invalid", fields={"phones": [message]})
        if parsed.stored and parsed.stored not in seen:
            seen.add(parsed.stored)
            found.append(parsed)
    if len(found) > MAX_PHONES:
        raise ValidationFailed(f"At most {MAX_PHONES} phone numbers.", code="too_many_phones")
    return found


def require_active(marker: Marker, now: datetime, doing: str) -> None:
    """Raises Conflict for a marker that has ended: it is history and cannot be `doing`. A
    review-overdue marker has not ended (it is still in force)."""
    status = marker.status_at(now)
    if status not in IN_FORCE:
        raise Conflict(
            f"Marker #{marker.pk} is {status.lower()}: it cannot be {doing}. An ended marker is "
            "kept as history; create a new marker if the victim needs one.",
            code=f"marker_{status.lower()}",
        )


def validate_period(*, starts_at: datetime, expires_at: datetime, now: datetime) -> None:
    """A marker ends after it starts, lasts at most `MAX_MARKER_DAYS` and has not ended yet."""
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


def contact_required(marker: Marker, purpose: str, doing: str) -> None:
    """Raises Conflict until an attempt to contact the victim about `purpose` is recorded
    (since the last extension, for an extension)."""
    if not selectors.marker_has_contact(marker, purpose):
        since = marker.last_extended_at if purpose == ContactPurpose.EXTENSION else None
        when = f" since the last extension ({local(since)})" if since else ""
        raise Conflict(
            f"Marker #{marker.pk} cannot be {doing} yet: no attempt to contact the victim about "
            f"the {purpose.lower()} has been recorded{when}. Record the attempt and its outcome "
            f"first (purpose {purpose}); if contact is impossible, the attempts are the record.",
            code="victim_contact_required",
        )


def supervisors_for(marker: Marker) -> list:
    """Who is "the OIC's supervisor" for a marker: the supervisor named on it, or, when none is
    named, every active SUPERVISOR (so an alert is never addressed to nobody)."""
    if marker.supervisor_id and marker.supervisor.is_active:
        return [marker.supervisor]
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).distinct().order_by("pk")
    )


def tell(user, marker: Marker, *, kind: str, text: str, key: str, now: datetime) -> None:
    """Notify `user` about `marker`, linking to its page. `key` makes the notification once-only
    per marker (`marker:<id>:<key>`)."""
    notify(
        user=user,
        kind=kind,
        text=text,
        link=reverse("marker_detail", args=[marker.pk]),
        dedupe_key=f"marker:{marker.pk}:{key}",
        now=now,
    )


def tell_oic_unless_actor(actor, marker: Marker, **kwargs) -> None:
    """Tell the marker's OIC what someone else (or the system) did to it."""
    if actor is None or actor.pk != marker.oic_id:
        tell(marker.oic, marker, **kwargs)
