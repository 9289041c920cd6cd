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


def remember_roles(user, names) -> None:
    """Keep the role names just read for `user` (with the request's authentication,
    `core.authentication`) as `user_roles` caches them, so they are not read again for this
    user object. Names that are not roles are ignored, as `user_roles` ignores them."""
    user._cad_roles = {name for name in names if name in Role.values}


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
INTEL_READERS = (Role.CALL_HANDLER, Role.SUPPORT_OPERATOR, *DISPATCH_DESKS)
# Roles that record intelligence (by hand or by import).
INTEL_RECORD_WRITERS = (Role.ADMIN, Role.SUPPORT_OPERATOR)
# Roles that ask a support operator for a deeper check.
INTEL_REQUESTERS = INTEL_READERS
# Roles that work the deeper-check queue, and those that watch it.
INTEL_QUEUE_WORKERS = (Role.SUPPORT_OPERATOR,)
INTEL_QUEUE_READERS = (Role.SUPPORT_OPERATOR, Role.SUPERVISOR)
# Roles that read location risk markers.
MARKER_READERS = OPERATIONS + (Role.OIC,)
# Roles that create and change markers (an OIC only the markers they are the OIC of).
MARKER_MANAGERS = (Role.OIC, Role.SUPERVISOR, Role.ADMIN)
# Roles that manage any marker, whoever its OIC.
MARKER_OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)
# Roles that watch the alert board and read alerts.
ALERT_READERS = DISPATCH_DESKS + (Role.QA_REVIEWER, Role.ADMIN)
# Roles that acknowledge alerts.
ALERT_ACKERS = DISPATCH_DESKS
# The operational picture, and QA reviewers who examine it afterwards (the outstanding list,
# grade policies).
OPERATIONS_READERS = OPERATIONS + (Role.QA_REVIEWER,)
# Roles that take calls (create contacts and incidents).
CALL_TAKERS = (Role.CALL_HANDLER, Role.SUPERVISOR, Role.ADMIN)
# Roles that read any incident (with its intelligence check and markers). Not OFFICER: an
# officer reads only the incident their unit is committed to, through the dispatch briefing.
INCIDENT_READERS = OPERATIONS_READERS
# Roles that add lines to an incident's log (an officer does it through the briefing).
LOG_WRITERS = OPERATIONS
# The desks that handle an incident from call to close: they grade it and close it.
INCIDENT_HANDLERS = (Role.CALL_HANDLER, *DISPATCH_DESKS)
GRADERS = INCIDENT_HANDLERS
# Roles that dismiss a probable marker match on an incident (with a reason): those who grade it.
MARKER_MATCH_DISMISSERS = INCIDENT_HANDLERS
CLOSERS = INCIDENT_HANDLERS
# Roles that merge two incidents found to be one event (the merged one is closed, its units
# move): the dispatch desks, who see both incidents and their units.
INCIDENT_MERGERS = DISPATCH_DESKS
# Roles that correct an incident's caller, number, address, people, area or opening code.
DETAILS_EDITORS = CALL_TAKERS + (Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR)
# Roles that sign off (approve or refuse) a downgrade; a supervisor's own grading is its sign-off.
DOWNGRADE_SIGNERS = (Role.SUPERVISOR,)
# Roles that watch the downgrade queue page.
DOWNGRADE_QUEUE_READERS = (Role.SUPERVISOR, Role.QA_REVIEWER, Role.ADMIN)
# Roles that read downgrade requests through the API (a call handler follows their own).
GRADE_REQUEST_READERS = DOWNGRADE_QUEUE_READERS + (Role.CALL_HANDLER,)
# Roles that read any unit's briefing (a briefing is an incident's picture for a unit); an
# officer reads only the unit they crew.
BRIEFING_ANY_READERS = OPERATIONS_READERS
# Roles that manage staffing minimums and shifts.
STAFFING_MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
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
# Roles that assess a call with the caller: answer the DA questions and record THRIVE. Officers
# read THRIVE in their briefing only.
CALL_ASSESSORS = (Role.CALL_HANDLER, Role.SUPERVISOR)
