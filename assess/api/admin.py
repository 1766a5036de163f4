"""Tokens, webhook endpoints and the delivery log in the admin. A token is made with the
`create_api_token` command (it prints the token once); here it can be read and revoked."""

from django.contrib import admin
from django.utils import timezone

from .models import ApiToken, WebhookDelivery, WebhookEndpoint


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "prefix",
        "can_read_bank",
        "can_write_library",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("organization", "can_read_bank", "can_write_library")
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the raw token must be shown once: manage.py create_api_token

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    max_num = 0
    can_delete = False
    fields = (
        "event_type",
        "event_id",
        "status",
        "tries",
        "response_status",
        "error",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "organization", "active", "created_at")
    list_filter = ("active", "organization")
    search_fields = ("url", "description")
    readonly_fields = ("created_at",)
    inlines = (WebhookDeliveryInline,)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the log of what was sent."""

    list_display = (
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "tries",
        "response_status",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "endpoint__organization")
    search_fields = ("event_id", "endpoint__url")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
