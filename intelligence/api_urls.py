from django.urls import path

from intelligence import api

urlpatterns = [
    path("intel/records/", api.RecordCreateView.as_view(), name="api-intel-records"),
    path("intel/records/<int:pk>/", api.RecordDetailView.as_view(), name="api-intel-record"),
    path("intel/checks/", api.CheckListCreateView.as_view(), name="api-intel-checks"),
    path("intel/checks/<int:pk>/", api.CheckDetailView.as_view(), name="api-intel-check"),
    path("intel/requests/", api.CheckRequestListCreateView.as_view(), name="api-intel-requests"),
    path(
        "intel/requests/<int:pk>/claim/",
        api.CheckRequestActionView.as_view(action_name="claim"),
        name="api-intel-request-claim",
    ),
    path(
        "intel/requests/<int:pk>/complete/",
        api.CheckRequestActionView.as_view(action_name="complete"),
        name="api-intel-request-complete",
    ),
    path(
        "intel/requests/<int:pk>/cancel/",
        api.CheckRequestActionView.as_view(action_name="cancel"),
        name="api-intel-request-cancel",
    ),
]
