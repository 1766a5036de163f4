"""Production settings: email that reaches people, TLS behind the proxy, headers, CSP.

The documented production environment (docs/operations.md) is the one `check --deploy`
must pass with; the compose file sets the same variables.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from assess.envconfig import parse_email_url
from grader.engine.envparse import ConfigError

ROOT = Path(__file__).resolve().parents[2]

# docs/operations.md, "Production environment".
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3v-" + "x7Qp9-Lm2" * 6,
    "DJANGO_ALLOWED_HOSTS": "assess.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://assess.example.com",
    "DJANGO_TRUST_X_FORWARDED_PROTO": "1",
    "DJANGO_TRUSTED_PROXY_COUNT": "1",
    "EMAIL_URL": "submission://assess%40example.com:app-password@mail.example.com:587",
    "DEFAULT_FROM_EMAIL": "Acme hiring <assess@example.com>",
    "METRICS_TOKEN": "metrics-token-for-tests",
    "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
}


def _run(args: list[str], env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "EMAIL_", "METRICS_"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "assess.settings",
            "NORMASSESS_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _settings(env: dict, tmp_path, expr: str) -> subprocess.CompletedProcess:
    code = f"import django; from django.conf import settings; django.setup(); print({expr})"
    return _run(["-c", code], env, tmp_path)


def test_production_refuses_to_start_on_the_console_email_backend(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = _settings(env, tmp_path, "settings.EMAIL_BACKEND")
    assert result.returncode != 0
    assert "sends nothing: set EMAIL_URL" in result.stderr
    locmem = _settings({**env, "EMAIL_URL": "locmem://"}, tmp_path, "settings.EMAIL_BACKEND")
    assert locmem.returncode != 0 and "sends nothing" in locmem.stderr


def test_an_explicit_flag_allows_production_without_email(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = _settings({**env, "EMAIL_ALLOW_UNSENT": "1"}, tmp_path, "settings.EMAIL_BACKEND")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_production_reads_smtp_and_tls_settings_from_the_environment(tmp_path):
    expr = (
        "settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, "
        "settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS, settings.SECURE_PROXY_SSL_HEADER, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.CSRF_TRUSTED_ORIGINS"
    )
    result = _settings(PRODUCTION_ENV, tmp_path, expr)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "django.core.mail.backends.smtp.EmailBackend mail.example.com 587 "
        "assess@example.com True ('HTTP_X_FORWARDED_PROTO', 'https') True 31536000 "
        "['https://assess.example.com']"
    )


def test_a_csrf_origin_without_a_scheme_is_refused(tmp_path):
    result = _settings(
        {**PRODUCTION_ENV, "DJANGO_CSRF_TRUSTED_ORIGINS": "assess.example.com"}, tmp_path, "1"
    )
    assert result.returncode != 0
    assert "must start with https://" in result.stderr


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.local", ("mail.local", 25, "", "", False, False)),
        ("smtp://u:p@mail.local:2525?tls=1", ("mail.local", 2525, "u", "p", True, False)),
        ("submission://a%40b.c:p%2Fw@mx.example", ("mx.example", 587, "a@b.c", "p/w", True, False)),
        ("smtps://u:p@mx.example", ("mx.example", 465, "u", "p", False, True)),
    ],
)
def test_email_urls_name_host_port_login_and_tls(url, expected):
    config = parse_email_url(url)
    assert config.backend == "django.core.mail.backends.smtp.EmailBackend"
    got = (config.host, config.port, config.user, config.password)
    assert got + (config.use_tls, config.use_ssl) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://mx:notaport"])
def test_a_malformed_email_url_names_the_variable(url):
    with pytest.raises(ConfigError, match="EMAIL_URL"):
        parse_email_url(url)


@pytest.mark.django_db
@override_settings(
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
)
def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(client):
    plain = client.get("/", HTTP_X_FORWARDED_PROTO="http", HTTP_HOST="localhost")
    assert plain.status_code == 301
    assert plain["Location"] == "https://localhost/"
    secure = client.get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="localhost")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
