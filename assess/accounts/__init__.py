"""The hiring team's accounts: signing in (django-allauth's account flow, throttled by
django-axes), second factors (allauth.mfa), the organization's security policy (second
factor required, session timeouts) and the member's sessions. Above the audit trail in
the import order (docs/architecture.md)."""
