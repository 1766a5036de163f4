"""Degrade, don't fail: with Redis (the throttles' cache) down the API keeps answering."""

import logging
import socket

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


def test_the_api_answers_while_the_throttle_cache_is_down(api, settings, caplog, monkeypatch):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    rates = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_read": "2/min", "api_write": "2/min"},
    }
    monkeypatch.setattr("assess.api.base._cache_outage_logged_at", 0.0)
    # The outage lasts this block only: the fixtures that clear the cache afterwards find
    # it back (their teardown order is not this test's to rely on).
    with override_settings(CACHES=down, REST_FRAMEWORK=rates):
        with caplog.at_level(logging.ERROR, logger="assess.api.base"):
            statuses = [api.get("/api/v1/assessments/").status_code for _ in range(5)]
    assert statuses == [200] * 5  # unthrottled rather than refused, and never a 500
    outage = [r for r in caplog.records if "throttling is off" in r.getMessage()]
    assert len(outage) == 1  # logged once, not once per request
