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
