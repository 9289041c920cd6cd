from django.urls import path

from staffing import api

urlpatterns = [
    path("staffing/", api.StaffingView.as_view(), name="api-staffing"),
    path(
        "staffing/minimums/",
        api.StaffingMinimumListView.as_view(),
        name="api-staffing-minimums",
    ),
    path(
        "staffing/minimums/<str:role>/",
        api.StaffingMinimumDetailView.as_view(),
        name="api-staffing-minimum",
    ),
    path("shifts/", api.ShiftListView.as_view(), name="api-shifts"),
    path(
        "shifts/<int:pk>/requirements/<str:role>/",
        api.ShiftRequirementView.as_view(),
        name="api-shift-requirement",
    ),
    path("sign-ons/", api.SignOnListView.as_view(), name="api-sign-ons"),
    path("sign-ons/<int:pk>/sign-off/", api.SignOffView.as_view(), name="api-sign-off"),
]
