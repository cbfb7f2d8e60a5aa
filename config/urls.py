from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("core.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("fleet.api.urls")),
    path("", include("repairs.api.urls")),
    path("", include("forecasting.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("", include("core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("fleet/", include("fleet.urls")),
    path("repairs/", include("repairs.urls")),
    path("forecast/", include("forecasting.urls")),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]
