"""The screens of the product by role. Each app replaces its placeholder (same key) with the real
page from its own AppConfig.ready(); a placeholder with no URL shows as "coming soon"."""

from core.navigation import Screen, register_screen
from core.roles import Role as R

OPS_FLOOR = (R.DISPATCHER, R.CONTROLLER, R.INSPECTOR, R.SUPERVISOR)

PLANNED = [
    Screen(
        "call_taking",
        "Call taking",
        None,
        (R.CALL_HANDLER,),
        "Take a 999/101 call and grade it.",
        10,
    ),
    Screen(
        "switchboard",
        "Switchboard message",
        None,
        (R.CALL_HANDLER,),
        "Record a contact that raises no incident.",
        12,
    ),
    Screen(
        "incidents",
        "Incidents",
        None,
        (R.CALL_HANDLER, R.SUPPORT_OPERATOR, *OPS_FLOOR, R.QA_REVIEWER, R.ADMIN),
        "Search and open incidents.",
        14,
    ),
    Screen(
        "grade_requests",
        "Downgrade sign-off",
        None,
        (R.SUPERVISOR,),
        "Approve or refuse downgrades of risk calls.",
        16,
    ),
    Screen(
        "outstanding",
        "Outstanding incidents",
        None,
        OPS_FLOOR,
        "Open incidents no unit has reached, most urgent first.",
        20,
    ),
    Screen("units", "Unit board", None, (*OPS_FLOOR, R.ADMIN), "Units by status.", 22),
    Screen(
        "divert_reviews",
        "Divert reviews",
        None,
        (R.CONTROLLER,),
        "Approve or override every divert.",
        24,
    ),
    Screen(
        "inspector_tasks",
        "Inspector tasks",
        None,
        (R.INSPECTOR,),
        "Find a replacement unit for approved diverts.",
        26,
    ),
    Screen(
        "briefing",
        "My briefing",
        None,
        (R.OFFICER,),
        "The whole log of the incident your unit is sent to.",
        28,
    ),
    Screen(
        "alerts",
        "Alert board",
        None,
        (R.SUPERVISOR, R.DISPATCHER, R.INSPECTOR),
        "Live breach alerts, demand and staffing.",
        30,
    ),
    Screen(
        "staffing",
        "Staffing",
        None,
        (R.SUPERVISOR, R.ADMIN),
        "Shift minimums and who is signed on.",
        32,
    ),
    Screen(
        "intel_search",
        "Intelligence search",
        None,
        (R.SUPPORT_OPERATOR, R.CALL_HANDLER, *OPS_FLOOR),
        "Search people, numbers and addresses.",
        40,
    ),
    Screen(
        "check_queue",
        "Check queue",
        None,
        (R.SUPPORT_OPERATOR,),
        "Requested deeper intelligence checks.",
        42,
    ),
    Screen(
        "markers",
        "Location markers",
        None,
        (R.OIC, R.SUPERVISOR, R.ADMIN, R.CALL_HANDLER, R.DISPATCHER),
        "Special schemes: active, due for review, expired.",
        50,
    ),
    Screen("my_markers", "My markers", None, (R.OIC,), "Your markers and what is due.", 52),
    Screen(
        "reports",
        "Reports",
        None,
        (R.SUPERVISOR, R.INSPECTOR, R.QA_REVIEWER, R.ADMIN),
        "Response times, breaches, downgrades, markers.",
        60,
    ),
    Screen(
        "divert_qa",
        "Divert tag list",
        None,
        (R.QA_REVIEWER,),
        "Review every divert after the event.",
        62,
    ),
    Screen(
        "grade_policies", "Grade policies", None, (R.ADMIN,), "Target response times per grade.", 70
    ),
    Screen(
        "admin",
        "Reference data and users",
        "admin:index",
        (R.ADMIN,),
        "Opening codes, closing codes, users and roles.",
        72,
    ),
]


def register_planned_screens():
    for screen in PLANNED:
        register_screen(screen)
