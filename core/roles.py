"""The control-room roles. Each is a Django group of the same name (created by a migration)."""

from django.db import models


class Role(models.TextChoices):
    CALL_HANDLER = "CALL_HANDLER", "Call handler"
    SUPPORT_OPERATOR = "SUPPORT_OPERATOR", "Support (intelligence) operator"
    DISPATCHER = "DISPATCHER", "Dispatcher"
    CONTROLLER = "CONTROLLER", "Controller"
    INSPECTOR = "INSPECTOR", "Control-room inspector"
    SUPERVISOR = "SUPERVISOR", "Supervisor"
    OIC = "OIC", "Officer in charge"
    OFFICER = "OFFICER", "Attending officer"
    QA_REVIEWER = "QA_REVIEWER", "QA reviewer"
    ADMIN = "ADMIN", "Administrator"


def user_roles(user) -> set[str]:
    """The role names a user holds; cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_cad_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._cad_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True if the user holds any of `roles`. Superusers hold every role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & set(roles))


# Roles that see the operational picture (incidents, markers, intelligence summaries).
OPERATIONS = (
    Role.CALL_HANDLER,
    Role.SUPPORT_OPERATOR,
    Role.DISPATCHER,
    Role.CONTROLLER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
    Role.ADMIN,
)


# Named role sets. A view, API or service that needs "who may do X" takes it from here, so the
# same list of roles is written once.
EVERY_ROLE = tuple(Role.values)
# Control-room desks that dispatch and supervise dispatch.
DISPATCH_DESKS = (Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR, Role.SUPERVISOR)
# Roles that read intelligence (officers read only what their own incident shows).
INTEL_READERS = (
    Role.CALL_HANDLER,
    Role.SUPPORT_OPERATOR,
    Role.DISPATCHER,
    Role.CONTROLLER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
)
# Roles that watch the alert board and read alerts.
ALERT_READERS = DISPATCH_DESKS + (Role.QA_REVIEWER, Role.ADMIN)
# Roles that acknowledge alerts.
ALERT_ACKERS = DISPATCH_DESKS
# Roles that read any unit's briefing; an officer reads only the unit they crew.
BRIEFING_ANY_READERS = OPERATIONS + (Role.QA_REVIEWER,)
# Roles that manage staffing minimums and shifts.
STAFFING_MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
# The operational picture, and QA reviewers who examine it afterwards (the outstanding list,
# grade policies).
OPERATIONS_READERS = OPERATIONS + (Role.QA_REVIEWER,)
# Roles that direct any unit from the control room; an officer moves only a unit they crew.
UNIT_DIRECTORS = DISPATCH_DESKS + (Role.ADMIN,)
# Roles that report a unit's status: the control room and the crews.
UNIT_MOVERS = UNIT_DIRECTORS + (Role.OFFICER,)
# Roles that read units and open the briefing page (the briefing itself limits officers).
UNIT_READERS = OPERATIONS + (Role.OFFICER, Role.QA_REVIEWER)
# Roles that set a unit's crew.
CREW_MANAGERS = (Role.DISPATCHER, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
# Roles that read the unit board and an incident's dispatch page.
UNIT_BOARD_READERS = DISPATCH_DESKS + (Role.ADMIN, Role.QA_REVIEWER, Role.CALL_HANDLER)
# Roles that read diverts and inspector tasks.
DIVERT_READERS = DISPATCH_DESKS + (Role.QA_REVIEWER, Role.ADMIN)
# Roles that watch the controller's divert review queue / the inspector's task queue.
DIVERT_QUEUE_READERS = (Role.CONTROLLER, Role.SUPERVISOR, Role.QA_REVIEWER)
INSPECTOR_QUEUE_READERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.CONTROLLER, Role.QA_REVIEWER)
# Roles that read the standard reports and the divert tag list.
REPORT_READERS = (Role.SUPERVISOR, Role.INSPECTOR, Role.QA_REVIEWER, Role.ADMIN)
# Roles that record QA findings and urgent-review flags on diverts.
QA_REVIEWERS = (Role.QA_REVIEWER,)
