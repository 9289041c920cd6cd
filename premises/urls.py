from django.urls import path

from premises import views

urlpatterns = [
    path("search/", views.PremisesSearchFragmentView.as_view(), name="premises-search"),
]
