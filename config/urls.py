from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.api.schema_view import SchemaView
from core.views import health
from repairs import urls as repairs_urls

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("staff.api.urls")),
    path("", include("fleet.api.urls")),
    path("", include("repairs.api.urls")),
    path("", include("forecasting.api.urls")),
    path("", include("students.api.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    # Split: the page loads its start-up script from ?script, as the Content-Security-Policy allows
    # no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="core/api_docs.html"),
        name="docs",
    ),
]

urlpatterns = [
    path("", include("portal.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # Overtime, time and pay kept their addresses under accounts/ when they moved to staff.
    path("accounts/", include("staff.urls")),
    path("fleet/", include("fleet.urls")),
    # Loaners are repairs' (a loan stands in for a device under repair) at their fleet addresses.
    path("fleet/", include((repairs_urls.loan_urlpatterns, "loans"))),
    path("repairs/", include("repairs.urls")),
    path("forecast/", include("forecasting.urls")),
    path("students/", include("students.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]
if settings.GOOGLE_SIGN_IN_ENABLED:  # /accounts/google/login/ and its callback (allauth)
    urlpatterns.append(path("accounts/", include("allauth.socialaccount.providers.google.urls")))
