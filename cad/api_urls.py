from django.urls import path

from cad import api

urlpatterns = [
    path("grading/assess/", api.AssessView.as_view(), name="api-assess"),
    path("contacts/", api.ContactListCreateView.as_view(), name="api-contacts"),
    path("opening-codes/", api.OpeningCodeListView.as_view(), name="api-opening-codes"),
    path("closing-codes/", api.ClosingCodeListView.as_view(), name="api-closing-codes"),
    path("incidents/", api.IncidentListCreateView.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident"),
    path("incidents/<int:pk>/log/", api.IncidentLogView.as_view(), name="api-incident-log"),
    path("incidents/<int:pk>/grade/", api.IncidentGradeView.as_view(), name="api-incident-grade"),
    path("incidents/<int:pk>/close/", api.IncidentCloseView.as_view(), name="api-incident-close"),
    path(
        "incidents/<int:pk>/domestic-abuse/",
        api.IncidentDomesticAbuseView.as_view(),
        name="api-incident-domestic-abuse",
    ),
    path(
        "incidents/<int:pk>/da-answers/",
        api.IncidentDaAnswersView.as_view(),
        name="api-incident-da-answers",
    ),
    path(
        "incidents/<int:pk>/thrive/", api.IncidentThriveView.as_view(), name="api-incident-thrive"
    ),
    path(
        "incidents/<int:pk>/timeline/",
        api.IncidentTimelineView.as_view(),
        name="api-incident-timeline",
    ),
    path("grade-requests/", api.GradeRequestListView.as_view(), name="api-grade-requests"),
    path(
        "grade-requests/<int:pk>/approve/",
        api.GradeRequestDecisionView.as_view(approve=True),
        name="api-grade-request-approve",
    ),
    path(
        "grade-requests/<int:pk>/refuse/",
        api.GradeRequestDecisionView.as_view(approve=False),
        name="api-grade-request-refuse",
    ),
]
