"""SSO per organization: each organization's own OpenID Connect identity provider, through
django-allauth's social accounts. `APPS` is what the project's settings install."""

APPS = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "assess.sso",
]
