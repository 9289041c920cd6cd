"""HTML screens for monitoring (under /monitoring/)."""

from django.urls import path

from monitoring import views

urlpatterns = [
    path("alerts/", views.AlertBoardView.as_view(), name="monitoring-alerts"),
    path("alerts/board/", views.AlertBoardBodyView.as_view(), name="monitoring-alerts-body"),
    path(
        "alerts/<int:pk>/acknowledge/",
        views.AlertAcknowledgeView.as_view(),
        name="monitoring-alert-acknowledge",
    ),
    path("policies/", views.GradePoliciesView.as_view(), name="monitoring-policies"),
    path(
        "policies/<str:grade>/",
        views.GradePolicyUpdateView.as_view(),
        name="monitoring-policy-update",
    ),
]
