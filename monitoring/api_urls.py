from django.urls import path

from monitoring import api

urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="api-alerts"),
    path("alerts/board/", api.AlertBoardView.as_view(), name="api-alert-board"),
    path(
        "alerts/<int:pk>/acknowledge/",
        api.AlertAcknowledgeView.as_view(),
        name="api-alert-acknowledge",
    ),
    path("grade-policies/", api.GradePolicyListView.as_view(), name="api-grade-policies"),
    path(
        "grade-policies/<str:grade>/",
        api.GradePolicyDetailView.as_view(),
        name="api-grade-policy",
    ),
]
