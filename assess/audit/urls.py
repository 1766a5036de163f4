"""The audit trail's pages (in the `org` namespace, see assess/org_urls.py)."""

from django.urls import path

from . import views

ORG = "org/<slug:org_slug>/"

urlpatterns = [
    path(ORG + "audit/", views.audit_trail, name="audit"),
    path(ORG + "audit/export.csv", views.audit_export, name="audit_export"),
    path(ORG + "audit/retention/", views.audit_retention_save, name="audit_retention"),
]
