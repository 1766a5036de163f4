"""Settings of the hiring team's sign-in, second factors, sessions and audit trail
(docs/security.md), read by assess/settings.py (`from .security_settings import *`)."""

from grader.engine.envparse import env_int, env_str

# Signing in (assess/accounts): django-allauth at /org/login/ with the fields the page always
# had; accounts are made by admins, never by signing up. django-axes alone throttles failed
# sign-ins (assess/settings.py): allauth's own login limits are off, so one set of rules
# applies.
# SSO-only organizations refuse their members' local credentials (assess/sso, a subclass of
# assess.accounts.adapter.TeamAccountAdapter); each organization's identity provider signs
# its team in through allauth's social accounts.
ACCOUNT_ADAPTER = "assess.sso.account_adapter.SsoAwareAccountAdapter"
SOCIALACCOUNT_ADAPTER = "assess.sso.adapter.OrganizationSsoAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = "org:login"
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None}

# Second factors (allauth.mfa): an authenticator app (TOTP) with recovery codes, and
# passkeys, which also sign in on their own.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "NormAssess")
# A code read off the phone as its 30 s window closes reaches us in the next one: one window
# either side is accepted (RFC 6238, 5.2, allows for this delay). A used code stays refused
# for all three windows (allauth widens its replay marker to match).
MFA_TOTP_TOLERANCE = 1

# Members' sessions (allauth.usersessions): recorded at sign-in by allauth, their "last seen"
# kept once a minute by assess.accounts.middleware rather than written on every request.
USERSESSIONS_TRACK_ACTIVITY = False

# The audit trail: events older than an organization's retention (this many days unless its
# admin set another) are deleted daily (the beat entry is in assess/settings.py).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=30)
