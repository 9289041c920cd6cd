"""Creating staff accounts with roles (used by `create_staff` and the demo seed)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.audit import audit_record
from core.exceptions import Forbidden, ValidationFailed
from core.roles import Role


@transaction.atomic
def staff_create(
    *,
    username: str,
    roles: list[str],
    password: str,
    email: str = "",
    full_name: str = "",
    actor=None,
    via: str = "",
):
    """Create the user, or update the password and add the roles if it exists. Returns
    (user, created). The audit event says which roles the account held before and after, and
    `via` how it was done (e.g. "create_staff by <os user>"), since a command has no actor."""
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationFailed(f"Unknown role {', '.join(unknown)}.", code="unknown_role")
    if not username or len(username) > 150:
        raise ValidationFailed(
            "A username of 1 to 150 characters is required.", code="invalid_username"
        )
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if full_name:
        first, _, last = full_name.partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
    if email:
        user.email = email
    user.set_password(password)
    user.is_active = True
    if Role.ADMIN in roles:
        user.is_staff = True
    user.save()
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    after = sorted(set(before) | set(roles))
    audit_record(
        actor=actor,
        action="staff.created" if created else "staff.updated",
        obj=user,
        object_type="auth.user",
        summary=f"{username}: {', '.join(before) or 'no role'} -> {', '.join(after)}",
        data={"roles": sorted(roles), "from": before, "to": after, "via": via},
    )
    return user, created


def _locked_user(user):
    from core.locks import lock_row

    return lock_row(get_user_model(), user.pk, label="User")


@transaction.atomic
def staff_deactivate(*, actor, user, reason: str = ""):
    """Deactivate an account: it can no longer log in, its API token and sessions stop
    working, and its open live sockets are closed at once (`core.receivers`, on the save).
    Deactivating an inactive account changes nothing. Audited. Returns the user."""
    user = _locked_user(user)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="staff.deactivated",
        obj=user,
        object_type="auth.user",
        summary=f"{user.get_username()} deactivated" + (f": {reason}" if reason else ""),
        data={"reason": reason[:300]},
    )
    return user


@transaction.atomic
def staff_roles_set(*, actor, user, roles: list[str]):
    """Give the user exactly `roles` (other control-room roles are removed; groups that are not
    roles are left alone). Their open live sockets are closed at once and reconnect with the new
    roles' groups, or are refused with none left (`core.receivers`). Audited.

    Nobody changes their own roles: another administrator does, so no one grants themselves
    access (e.g. an administrator making itself a support operator to read intelligence).

    Raises ValidationFailed (`unknown_role`), Forbidden (`own_roles`)."""
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationFailed(f"Unknown role {', '.join(unknown)}.", code="unknown_role")
    if actor is not None and actor.pk == user.pk:
        raise Forbidden(
            "Nobody changes their own roles: ask another administrator.", code="own_roles"
        )
    user = _locked_user(user)
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    after = sorted(set(roles))
    if before == after:
        return user
    user.groups.remove(*Group.objects.filter(name__in=set(before) - set(after)))
    user.groups.add(*Group.objects.filter(name__in=set(after) - set(before)))
    audit_record(
        actor=actor,
        action="staff.roles_changed",
        obj=user,
        object_type="auth.user",
        summary=f"{user.get_username()}: {', '.join(before) or 'no role'} -> "
        f"{', '.join(after) or 'no role'}",
        data={"from": before, "to": after},
    )
    return user
