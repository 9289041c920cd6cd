"""Creating staff accounts with roles (used by `create_staff` and the demo seed)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.audit import audit_record
from core.exceptions import ValidationFailed
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
):
    """Create the user, or update the password and add the roles if it exists. Returns
    (user, created). Administrators can use the Django admin for reference data."""
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationFailed(f"Unknown role {', '.join(unknown)}.", code="unknown_role")
    if not username or len(username) > 150:
        raise ValidationFailed(
            "A username of 1 to 150 characters is required.", code="invalid_username"
        )
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
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
    audit_record(
        actor=actor,
        action="staff.created" if created else "staff.updated",
        obj=user,
        object_type="auth.user",
        summary=f"{username}: {', '.join(sorted(roles))}",
        data={"roles": sorted(roles)},
    )
    return user, created
