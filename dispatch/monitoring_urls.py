"""HTML screens for response-time monitoring, staffing and grade policies (under /monitoring/)."""

from django.urls import path

from dispatch import monitoring_views as views

urlpatterns = [
    path("alerts/", views.AlertBoardView.as_view(), name="monitoring-alerts"),
    path("alerts/board/", views.AlertBoardBodyView.as_view(), name="monitoring-alerts-body"),
    path(
        "alerts/<int:pk>/acknowledge/",
        views.AlertAcknowledgeView.as_view(),
        name="monitoring-alert-acknowledge",
    ),
    path("staffing/", views.StaffingView.as_view(), name="monitoring-staffing"),
    path("staffing/sign-on/", views.SignOnView.as_view(), name="monitoring-sign-on"),
    path(
        "staffing/sign-ons/<int:pk>/sign-off/",
        views.SignOffView.as_view(),
        name="monitoring-sign-off",
    ),
    path("staffing/shifts/", views.ShiftCreateView.as_view(), name="monitoring-shift-create"),
    path(
        "staffing/shifts/<int:pk>/requirement/",
        views.ShiftRequirementView.as_view(),
        name="monitoring-shift-requirement",
    ),
    path("staffing/minimums/", views.StaffingMinimumView.as_view(), name="monitoring-minimums"),
    path("policies/", views.GradePoliciesView.as_view(), name="monitoring-policies"),
    path(
        "policies/<str:grade>/",
        views.GradePolicyUpdateView.as_view(),
        name="monitoring-policy-update",
    ),
]
