"""The audit trail in Django's admin: read-only for everyone, superusers included."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "organization_id", "actor_label", "address", "target_type")
    list_filter = ("event",)
    search_fields = ("actor_label", "event", "target_id")
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
