from django.urls import path

from premises import api

urlpatterns = [
    path("premises/search/", api.PremisesSearchView.as_view(), name="api-premises-search"),
    path("premises/<int:uprn>/", api.PremisesDetailView.as_view(), name="api-premises"),
]
