from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("core.api_urls")),
    path("", include("premises.api_urls")),
    path("", include("cad.api_urls")),
    path("", include("intelligence.api_urls")),
    path("", include("riskflags.api_urls")),
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
    path("monitoring/", include("dispatch.monitoring_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
