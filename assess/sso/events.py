"""The audit trail's names for single sign-on (assess.audit.trail.record_event)."""

SIGNIN_SUCCEEDED = "sso.signin_succeeded"
SIGNIN_REFUSED = "sso.signin_refused"
SETTINGS_CHANGED = "sso.settings_changed"
BREAK_GLASS_SIGNIN = "sso.break_glass_signin"
PASSWORD_REFUSED = "sso.password_refused"
