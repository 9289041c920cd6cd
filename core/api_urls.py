from django.urls import path

from core import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("live/ticket/", api.LiveTicketView.as_view(), name="api-live-ticket"),
    path("me/", api.MeView.as_view(), name="api-me"),
]
