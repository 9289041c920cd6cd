from django.urls import path

from reports import api

urlpatterns = [
    path("reports/", api.ReportIndexView.as_view(), name="api-reports"),
    *[
        path(f"reports/{name}/", view.as_view(), name=f"api-report-{name}")
        for name, view in api.REPORT_VIEWS.items()
    ],
    path("reports/diverts/<int:pk>/", api.DivertQaDetailView.as_view(), name="api-report-divert"),
    path(
        "reports/diverts/<int:pk>/findings/",
        api.DivertFindingView.as_view(),
        name="api-report-divert-findings",
    ),
    path(
        "reports/diverts/<int:pk>/urgent/",
        api.DivertUrgentView.as_view(),
        name="api-report-divert-urgent",
    ),
]
