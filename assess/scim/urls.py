"""SCIM 2.0 (RFC 7644) under /scim/v2/: an organization's directory provisions its team."""

from django.urls import path, re_path

from . import views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider, name="service_provider_config"),
    path("ResourceTypes", views.resource_type_list, name="resource_types"),
    path("ResourceTypes/<str:key>", views.resource_type_list, name="resource_type"),
    path("Schemas", views.schema_list, name="schemas"),
    path("Schemas/<str:key>", views.schema_list, name="schema"),
    path("Users", views.users, name="users"),
    path("Users/.search", views.users_search, name="users_search"),
    path("Users/<str:scim_id>", views.user, name="user"),
    path("Groups", views.groups, name="groups"),
    path("Groups/.search", views.groups_search, name="groups_search"),
    path("Groups/<str:scim_id>", views.group, name="group"),
    path(".search", views.root_search, name="search"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
