"""Demo data for staffing: a running shift with a gap or two for the alert board."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.roles import Role
from staffing import selectors, services

# One demo user per role signs on; the call handler and support operator desks stay one short
# of the default minimums (two each), so the board shows staffing gaps.
DEMO_DESKS = [
    Role.CALL_HANDLER,
    Role.SUPPORT_OPERATOR,
    Role.DISPATCHER,
    Role.CONTROLLER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
]


def seed_demo_staffing(stdout=None) -> None:
    """A running shift with one demo user signed on per role. Idempotent: nothing is added
    while a shift is running."""
    now = timezone.now()
    if selectors.shift_current(now=now) is not None:
        return
    shift = services.shift_create(
        actor=None,
        name="Demo shift",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
    )
    users = get_user_model().objects.filter(username__in=[r.lower() for r in Role.values])
    by_name = {u.username: u for u in users}
    for index, role in enumerate(DEMO_DESKS, start=1):
        user = by_name.get(role.lower())
        if user is not None and selectors.sign_on_open(user=user) is None:
            services.staff_sign_on(
                actor=user, role=role, position=f"Desk {index}", shift=shift, now=now
            )
