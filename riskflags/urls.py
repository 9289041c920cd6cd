from django.urls import path

from riskflags import views

urlpatterns = [
    path("", views.MarkerListView.as_view(), name="markers"),
    path("mine/", views.MyMarkersView.as_view(), name="my_markers"),
    path("new/", views.MarkerCreateView.as_view(), name="marker_create"),
    path("<int:pk>/", views.MarkerDetailView.as_view(), name="marker_detail"),
    path("<int:pk>/edit/", views.MarkerEditView.as_view(), name="marker_edit"),
    path("<int:pk>/contacts/", views.MarkerContactView.as_view(), name="marker_contact"),
    path("<int:pk>/extend/", views.MarkerExtendView.as_view(), name="marker_extend"),
    path("<int:pk>/withdraw/", views.MarkerWithdrawView.as_view(), name="marker_withdraw"),
    path(
        "<int:pk>/dismiss-match/",
        views.MarkerDismissMatchView.as_view(),
        name="marker_dismiss_match",
    ),
]
