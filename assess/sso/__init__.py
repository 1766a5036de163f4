"""SSO per organization: each organization's own OpenID Connect or SAML 2.0 identity
provider, through django-allauth's social accounts. `APPS` is what the project's settings install."""

APPS = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "assess.sso",
]
