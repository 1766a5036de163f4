"""The settings read from the environment that need more than one variable's parsing
(email, URLs). The parsers of single variables (`env_bool`, `env_int`, ...) and
`ConfigError` are `grader/engine/envparse.py`'s, shared with the grader's engine.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from grader.engine.envparse import ConfigError, env_bool, env_int, env_str

# --- Email -----------------------------------------------------------------------------------

_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
# Backends that deliver nothing: fine on a laptop, a silent loss of every invitation in
# production (and the console one prints candidate links into the server's log).
UNSENT_EMAIL_BACKENDS = frozenset(
    {_EMAIL_BACKENDS["console"], _EMAIL_BACKENDS["locmem"], _EMAIL_BACKENDS["dummy"]}
)


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False  # STARTTLS
    use_ssl: bool = False  # implicit TLS (port 465)


def parse_email_url(url: str) -> EmailConfig:
    """`smtp://user:pass@host:25` (plain, `?tls=1` for STARTTLS), `submission://...:587`
    (STARTTLS), `smtps://...:465` (implicit TLS), `console://`, `locmem://`, `dummy://`.
    User and password are percent-decoded."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"console", "locmem", "dummy"}:
        return EmailConfig(backend=_EMAIL_BACKENDS[scheme])
    if scheme not in {"smtp", "smtps", "submission"}:
        raise ConfigError(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of smtp, smtps, submission, "
            "console, locmem, dummy"
        )
    if not parts.hostname:
        raise ConfigError("EMAIL_URL has no host (e.g. smtp://user:password@mail.example:587)")
    query = {key.lower(): value for key, value in parse_qsl(parts.query)}
    use_ssl = scheme == "smtps"
    use_tls = scheme == "submission" or query.get("tls", "").lower() in {"1", "true", "yes"}
    try:
        port = parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[scheme]
    except ValueError:
        raise ConfigError("EMAIL_URL has a malformed port") from None
    return EmailConfig(
        backend=_EMAIL_BACKENDS["smtp"],
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )


def email_settings(*, debug: bool) -> EmailConfig:
    """The email backend from EMAIL_URL, else EMAIL_HOST (+ EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL), else DJANGO_EMAIL_BACKEND, else the
    console in development. With DJANGO_DEBUG=0 a backend that delivers nothing refuses to
    start unless EMAIL_ALLOW_UNSENT=1."""
    url = env_str("EMAIL_URL").strip()
    host = env_str("EMAIL_HOST").strip()
    if url:
        config = parse_email_url(url)
    elif host:
        config = EmailConfig(
            backend=_EMAIL_BACKENDS["smtp"],
            host=host,
            port=env_int("EMAIL_PORT", 25, minimum=1),
            user=env_str("EMAIL_HOST_USER"),
            password=env_str("EMAIL_HOST_PASSWORD"),
            use_tls=env_bool("EMAIL_USE_TLS", False),
            use_ssl=env_bool("EMAIL_USE_SSL", False),
        )
    else:
        config = EmailConfig(backend=env_str("DJANGO_EMAIL_BACKEND", _EMAIL_BACKENDS["console"]))
    if config.use_tls and config.use_ssl:
        raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: pick one")
    if not debug and config.backend in UNSENT_EMAIL_BACKENDS:
        if not env_bool("EMAIL_ALLOW_UNSENT", False):
            raise ConfigError(
                f"DJANGO_DEBUG=0 with the email backend {config.backend!r}, which sends "
                "nothing: set EMAIL_URL (e.g. submission://user:password@mail.example:587), "
                "or EMAIL_ALLOW_UNSENT=1 when invitations are delivered some other way"
            )
    return config
