from django.urls import path

from riskflags import api

urlpatterns = [
    path("markers/", api.MarkerListCreateView.as_view(), name="api-markers"),
    path("markers/match/", api.MarkerMatchView.as_view(), name="api-markers-match"),
    path("markers/<int:pk>/", api.MarkerDetailView.as_view(), name="api-marker"),
    path(
        "markers/<int:pk>/contacts/", api.MarkerContactsView.as_view(), name="api-marker-contacts"
    ),
    path(
        "markers/<int:pk>/withdraw/", api.MarkerWithdrawView.as_view(), name="api-marker-withdraw"
    ),
    path("markers/<int:pk>/extend/", api.MarkerExtendView.as_view(), name="api-marker-extend"),
    path(
        "markers/<int:pk>/dismiss-match/",
        api.MarkerDismissMatchView.as_view(),
        name="api-marker-dismiss-match",
    ),
    path("markers/<int:pk>/history/", api.MarkerHistoryView.as_view(), name="api-marker-history"),
]
