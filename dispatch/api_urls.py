from django.urls import path

from dispatch import api

urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="api-alerts"),
    path(
        "alerts/<int:pk>/acknowledge/",
        api.AlertAcknowledgeView.as_view(),
        name="api-alert-acknowledge",
    ),
]

# --- Response times, alert board and staffing (issue 7) -----------------------------------------
from dispatch import policy_api  # noqa: E402

urlpatterns += [
    path("grade-policies/", policy_api.GradePolicyListView.as_view(), name="api-grade-policies"),
    path(
        "grade-policies/<str:grade>/",
        policy_api.GradePolicyDetailView.as_view(),
        name="api-grade-policy",
    ),
    path("alerts/board/", policy_api.AlertBoardView.as_view(), name="api-alert-board"),
    path("staffing/", policy_api.StaffingView.as_view(), name="api-staffing"),
    path(
        "staffing/minimums/",
        policy_api.StaffingMinimumListView.as_view(),
        name="api-staffing-minimums",
    ),
    path(
        "staffing/minimums/<str:role>/",
        policy_api.StaffingMinimumDetailView.as_view(),
        name="api-staffing-minimum",
    ),
    path("shifts/", policy_api.ShiftListView.as_view(), name="api-shifts"),
    path(
        "shifts/<int:pk>/requirements/<str:role>/",
        policy_api.ShiftRequirementView.as_view(),
        name="api-shift-requirement",
    ),
    path("sign-ons/", policy_api.SignOnListView.as_view(), name="api-sign-ons"),
    path("sign-ons/<int:pk>/sign-off/", policy_api.SignOffView.as_view(), name="api-sign-off"),
]

# --- Units, assignments, diverts, inspector tasks, outstanding list, briefing (issue 6) ---------
urlpatterns += [
    path("units/", api.UnitListCreateView.as_view(), name="api-units"),
    path("units/<int:pk>/", api.UnitDetailView.as_view(), name="api-unit"),
    path("units/<int:pk>/status/", api.UnitStatusView.as_view(), name="api-unit-status"),
    path("units/<int:pk>/release/", api.UnitReleaseView.as_view(), name="api-unit-release"),
    path("units/<int:pk>/crew/", api.UnitCrewView.as_view(), name="api-unit-crew"),
    path("units/<int:pk>/divert/", api.UnitDivertView.as_view(), name="api-unit-divert"),
    path("units/<int:pk>/briefing/", api.UnitBriefingView.as_view(), name="api-unit-briefing"),
    path(
        "incidents/outstanding/",
        api.OutstandingListView.as_view(),
        name="api-incidents-outstanding",
    ),
    path(
        "incidents/<int:pk>/assign/", api.IncidentAssignView.as_view(), name="api-incident-assign"
    ),
    path(
        "incidents/<int:pk>/recommended-units/",
        api.IncidentRecommendedUnitsView.as_view(),
        name="api-incident-recommended-units",
    ),
    path("diverts/", api.DivertListView.as_view(), name="api-diverts"),
    path("diverts/<int:pk>/", api.DivertDetailView.as_view(), name="api-divert"),
    path("diverts/<int:pk>/review/", api.DivertReviewView.as_view(), name="api-divert-review"),
    path("inspector-tasks/", api.InspectorTaskListView.as_view(), name="api-inspector-tasks"),
    path(
        "inspector-tasks/<int:pk>/resolve/",
        api.InspectorTaskResolveView.as_view(),
        name="api-inspector-task-resolve",
    ),
]
