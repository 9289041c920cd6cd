"""The staffing screen and its forms (under /monitoring/staffing/, where they have always been)."""

from django.urls import path

from staffing import views

urlpatterns = [
    path("", views.StaffingView.as_view(), name="staffing"),
    path("sign-on/", views.SignOnView.as_view(), name="staffing-sign-on"),
    path("sign-ons/<int:pk>/sign-off/", views.SignOffView.as_view(), name="staffing-sign-off"),
    path("shifts/", views.ShiftCreateView.as_view(), name="staffing-shift-create"),
    path(
        "shifts/<int:pk>/requirement/",
        views.ShiftRequirementView.as_view(),
        name="staffing-shift-requirement",
    ),
    path("minimums/", views.StaffingMinimumView.as_view(), name="staffing-minimums"),
]
