from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path(
        "incidents/<int:pk>/timeline/",
        views.IncidentTimelineView.as_view(),
        name="incident_timeline",
    ),
    path(
        "incidents/<int:pk>/timeline/version/",
        views.TimelineVersionView.as_view(),
        name="incident_timeline_version",
    ),
    path("diverts/version/", views.DivertsVersionView.as_view(), name="diverts_version"),
    path("diverts/", views.ReportPageView.as_view(), {"name": "diverts"}, name="diverts"),
    path("diverts/<int:pk>/finding/", views.DivertFindingView.as_view(), name="divert_finding"),
    path("diverts/<int:pk>/urgent/", views.DivertUrgentView.as_view(), name="divert_urgent"),
    path("<slug:name>/", views.ReportPageView.as_view(), name="report"),
    path("<slug:name>/export.csv", views.ReportCsvView.as_view(), name="report_csv"),
]
