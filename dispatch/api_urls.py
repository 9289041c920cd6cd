from django.urls import path

from dispatch import api

urlpatterns = [
    path("units/", api.UnitListCreateView.as_view(), name="api-units"),
    path("units/<int:pk>/", api.UnitDetailView.as_view(), name="api-unit"),
    path("units/<int:pk>/status/", api.UnitStatusView.as_view(), name="api-unit-status"),
    path("units/<int:pk>/position/", api.UnitPositionView.as_view(), name="api-unit-position"),
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
