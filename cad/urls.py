from django.urls import path

from cad import views

urlpatterns = [
    path("calls/new/", views.CallTakingView.as_view(), name="call-taking"),
    path("calls/assess/", views.AssessPartialView.as_view(), name="call-assess"),
    path(
        "calls/possible-duplicates/",
        views.PossibleDuplicatesPartialView.as_view(),
        name="call-possible-duplicates",
    ),
    path("calls/attach/<int:pk>/", views.CallAttachView.as_view(), name="call-attach"),
    path("contacts/new/", views.SwitchboardView.as_view(), name="switchboard"),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path(
        "incidents/<int:pk>/grade/",
        views.IncidentGradeFormView.as_view(),
        name="incident-grade",
    ),
    path(
        "incidents/<int:pk>/version/",
        views.IncidentVersionView.as_view(),
        name="incident-version",
    ),
    path("incidents/<int:pk>/log/", views.IncidentLogFormView.as_view(), name="incident-log"),
    path(
        "incidents/<int:pk>/close/",
        views.IncidentCloseFormView.as_view(),
        name="incident-close",
    ),
    path(
        "incidents/<int:pk>/domestic-abuse/",
        views.IncidentDomesticAbuseFormView.as_view(),
        name="incident-domestic-abuse",
    ),
    path(
        "incidents/<int:pk>/thrive/", views.IncidentThriveFormView.as_view(), name="incident-thrive"
    ),
    path(
        "incidents/<int:pk>/da-answers/",
        views.IncidentDaAnswersFormView.as_view(),
        name="incident-da-answers",
    ),
    path(
        "incidents/<int:pk>/details/",
        views.IncidentDetailsFormView.as_view(),
        name="incident-details",
    ),
    path("incidents/<int:pk>/merge/", views.IncidentMergeFormView.as_view(), name="incident-merge"),
    path("grade-requests/", views.GradeRequestQueueView.as_view(), name="grade-request-queue"),
    path(
        "grade-requests/<int:pk>/decide/",
        views.GradeRequestDecideView.as_view(),
        name="grade-request-decide",
    ),
]
