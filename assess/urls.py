"""Root URL configuration."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from assess.review.urls import shared_report_urlpatterns

from .metrics import metrics_view
from .unavailable import healthz

# An outage of PostgreSQL or Redis answers 503 "briefly unavailable", other errors 500.
handler500 = "assess.unavailable.server_error_or_unavailable"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers and tools that ask for /favicon.ico without reading the page's <link>.
    path("favicon.ico", RedirectView.as_view(url=static("assess/favicon.svg"), permanent=True)),
    path("metrics", metrics_view, name="metrics"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("assess.api.urls")),
    *shared_report_urlpatterns,
    path("", include("assess.attempts.urls")),
    path("", include("assess.org_urls")),
    path("", include("quizzes.urls")),
]
