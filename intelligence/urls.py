from django.urls import path

from intelligence import views

urlpatterns = [
    path("", views.SearchView.as_view(), name="intel-search"),
    path("checks/<int:pk>/", views.CheckDetailView.as_view(), name="intel-check"),
    path("incidents/<int:pk>/", views.IncidentChecksView.as_view(), name="intel-incident"),
    path("queue/", views.QueueView.as_view(), name="intel-queue"),
]
