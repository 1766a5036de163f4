"""An organization's security policy for its hiring team. Absent: no second factor
required and no timeouts beyond Django's session lifetime."""

from django.db import models


class SecurityPolicy(models.Model):
    organization = models.OneToOneField(
        "assess.Organization", on_delete=models.CASCADE, related_name="security_policy"
    )
    # Members without a second factor are sent to enrol one and reach nothing else.
    require_second_factor = models.BooleanField(default=False)
    # A session unused this long ends (None: never).
    idle_timeout_minutes = models.PositiveIntegerField(null=True, blank=True)
    # A session ends this long after its sign-in, however busy (None: never).
    absolute_timeout_hours = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"security policy of {self.organization}"
