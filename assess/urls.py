"""Root URL configuration."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from assess.attempts import urls as candidate_urls
from assess.integrations import urls as integration_urls
from assess.review.urls import legacy_report_urlpatterns, shared_report_urlpatterns
from assess.review.views import item_statistics_refresh_now
from assess.sso.saml_views import allauth_saml_urlpatterns

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
    # django-allauth: second factors and passkeys (/accounts/2fa/...), and its account
    # pages; the team signs in at /org/login/ (assess/accounts/urls.py).
    # allauth's SAML steps, wrapped: a replayed or unreadable response is audited, never a 500.
    *allauth_saml_urlpatterns,
    path("accounts/", include("allauth.urls")),
    path("integrations/", include((integration_urls.ats_urlpatterns, "integrations"))),
    path("scim/v2/", include("assess.scim.urls")),
    *shared_report_urlpatterns,
    # Beside the bank editors' statistics page (quizzes), which cannot import attempts.
    path(
        "bank/statistics/refresh/",
        item_statistics_refresh_now,
        name="bank_statistics_refresh",
    ),
    # The `assess` namespace: the candidate's pages, and the report's older address (the
    # review package sits above the candidate's, so the two lists meet here).
    path(
        "",
        include((candidate_urls.urlpatterns + legacy_report_urlpatterns, candidate_urls.app_name)),
    ),
    path("", include("assess.org_urls")),
    path("", include("quizzes.urls")),
]
