"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("assess.api.urls")),
    path("", include("assess.attempts.urls")),
    path("", include("assess.org_urls")),
    path("", include("quizzes.urls")),
]
