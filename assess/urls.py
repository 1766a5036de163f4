"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("assess.candidate_urls")),
    path("", include("quizzes.urls")),
]
