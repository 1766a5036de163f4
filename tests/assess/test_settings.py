"""Settings come from the environment, with safe defaults and loud errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.engine.envparse import ConfigError, env_bool, env_float, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_"))
    }
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'], "
        "'broker': settings.CELERY_BROKER_URL}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "assess.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _settings_in_subprocess({"DJANGO_DEBUG": "0", "NORMASSESS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG=0" in result.stderr


def test_production_with_a_secret_key_starts(tmp_path):
    result = _settings_in_subprocess(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "assess.example.com",
            "EMAIL_URL": "smtp://mail.example.com",
            "NORMASSESS_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout


def test_the_default_is_sqlite_and_a_filesystem_broker(tmp_path):
    result = _settings_in_subprocess({"NORMASSESS_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "filesystem://" in result.stdout
    assert (tmp_path / "celery" / "out").is_dir()


def test_database_url_and_broker_url_select_postgres_and_redis(tmp_path):
    result = _settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://u@db.example:5432/x",
            "CELERY_BROKER_URL": "redis://cache.example:6379/0",
            "NORMASSESS_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and "redis://cache.example:6379/0" in result.stdout


def test_a_malformed_boolean_names_the_variable(tmp_path):
    result = _settings_in_subprocess({"DJANGO_DEBUG": "maybe", "NORMASSESS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize("raw", ["abc", "1.5", ""])
def test_env_int_rejects_non_integers_or_uses_the_default(monkeypatch, raw):
    monkeypatch.setenv("X_INT", raw)
    if raw == "":
        assert env_int("X_INT", 7) == 7
    else:
        with pytest.raises(ConfigError, match="X_INT"):
            env_int("X_INT", 7)


def test_env_int_enforces_a_minimum(monkeypatch):
    monkeypatch.setenv("X_INT", "5")
    with pytest.raises(ConfigError, match="must be at least 60"):
        env_int("X_INT", 100, minimum=60)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "is not a number"), ("nan", "between 0.05 and 1"), ("0.01", "between 0.05 and 1"),
     ("-0.3", "between 0.05 and 1"), ("1e9", "between 0.05 and 1"), ("0,3", "not a number")],
)  # fmt: skip
def test_env_float_names_the_variable_and_its_range(monkeypatch, raw, message):
    monkeypatch.setenv("X_FLOAT", raw)
    with pytest.raises(ConfigError, match=f"X_FLOAT=.*{message}"):
        env_float("X_FLOAT", 0.25, minimum=0.05, maximum=1.0)
    monkeypatch.setenv("X_FLOAT", " 0.3 ")
    assert env_float("X_FLOAT", 0.25, minimum=0.05, maximum=1.0) == 0.3
    monkeypatch.delenv("X_FLOAT")
    assert env_float("X_FLOAT", 0.25, minimum=0.05, maximum=1.0) == 0.25


def test_a_max_exposure_out_of_range_stops_the_settings_with_its_name(tmp_path):
    result = _settings_in_subprocess(
        {"ASSESS_ADAPTIVE_MAX_EXPOSURE": "2", "NORMASSESS_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "ASSESS_ADAPTIVE_MAX_EXPOSURE='2' must lie between 0.05 and 1" in result.stderr


def test_env_bool_and_list(monkeypatch):
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_LIST", " a.example , ,b.example ")
    assert env_bool("X_BOOL", False) is True
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def test_with_a_redis_broker_the_cache_is_shared_through_redis(tmp_path):
    code_env = {
        "CELERY_BROKER_URL": "redis://cache.example:6379/0",
        "NORMASSESS_VAR_DIR": str(tmp_path),
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_"))
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'))",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "assess.settings", **code_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example:6379/0",
    ]


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path):
    result = _settings_in_subprocess(
        {"CACHE_URL": "memcached://x", "NORMASSESS_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "CACHE_URL='memcached://x' must be a redis" in result.stderr
