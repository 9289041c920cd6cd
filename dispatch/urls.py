from django.urls import path

from dispatch import views

urlpatterns = [
    path("outstanding/", views.OutstandingView.as_view(), name="dispatch-outstanding"),
    path(
        "outstanding/rows/", views.OutstandingRowsView.as_view(), name="dispatch-outstanding-rows"
    ),
    path("map/", views.LiveMapView.as_view(), name="dispatch-map"),
    path("map/data/", views.LiveMapDataView.as_view(), name="dispatch-map-data"),
    path("units/", views.UnitBoardView.as_view(), name="dispatch-units"),
    path("units/rows/", views.UnitBoardRowsView.as_view(), name="dispatch-units-rows"),
    path("units/<int:pk>/status/", views.UnitStatusFormView.as_view(), name="dispatch-unit-status"),
    path(
        "units/<int:pk>/release/", views.UnitReleaseFormView.as_view(), name="dispatch-unit-release"
    ),
    path(
        "units/<int:pk>/briefing/",
        views.UnitBriefingPageView.as_view(),
        name="dispatch-unit-briefing",
    ),
    path("briefing/", views.MyBriefingView.as_view(), name="dispatch-briefing"),
    path("incidents/<int:pk>/", views.IncidentDispatchView.as_view(), name="dispatch-incident"),
    path(
        "incidents/<int:pk>/actions/",
        views.IncidentActionsPanelView.as_view(),
        name="dispatch-incident-actions",
    ),
    path(
        "incidents/<int:pk>/assign/",
        views.IncidentAssignFormView.as_view(),
        name="dispatch-incident-assign",
    ),
    path(
        "incidents/<int:pk>/divert/",
        views.IncidentDivertHereFormView.as_view(),
        name="dispatch-incident-divert",
    ),
    path("diverts/", views.DivertReviewQueueView.as_view(), name="dispatch-divert-reviews"),
    path(
        "diverts/body/",
        views.DivertReviewQueueBodyView.as_view(),
        name="dispatch-divert-reviews-body",
    ),
    path(
        "diverts/<int:pk>/review/",
        views.DivertReviewFormView.as_view(),
        name="dispatch-divert-review",
    ),
    path("inspector/", views.InspectorQueueView.as_view(), name="dispatch-inspector-tasks"),
    path(
        "inspector/body/",
        views.InspectorQueueBodyView.as_view(),
        name="dispatch-inspector-tasks-body",
    ),
    path(
        "inspector/<int:pk>/resolve/",
        views.InspectorTaskResolveFormView.as_view(),
        name="dispatch-inspector-task-resolve",
    ),
]
