from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("core.api_urls")),
    path("", include("premises.api_urls")),
    path("", include("cad.api_urls")),
    path("", include("intelligence.api_urls")),
    path("", include("riskflags.api_urls")),
    path("", include("monitoring.api_urls")),
    path("", include("staffing.api_urls")),
    path("", include("dispatch.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("", include("core.urls")),
    path("", include("cad.urls")),
    path("premises/", include("premises.urls")),
    path("intel/", include("intelligence.urls")),
    path("markers/", include("riskflags.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("reports/", include("reports.urls")),
    path("monitoring/staffing/", include("staffing.urls")),
    path("monitoring/", include("monitoring.urls")),
    # Before monitoring and staffing were apps of their own, their screens were also served
    # under /dispatch/: old bookmarks still land on the same screen.
    re_path(
        r"^dispatch/(?P<rest>(alerts|staffing|policies)/.*)$",
        RedirectView.as_view(url="/monitoring/%(rest)s", permanent=True, query_string=True),
    ),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("django-admin/", admin.site.urls),
]

# Errors answer in the API's JSON shape under /api/ and as pages elsewhere (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
