"""While PostgreSQL or Redis is down (a restart, a failover) a request that needs it fails;
the visitor then gets a plain 503 page that says to retry, never a traceback or a bare
500, and the next request after the server is back succeeds (the connection is re-made).
`healthz` is the container's health probe: 200 once the database answers."""

import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

# An outage of a server we depend on, not a bug of ours. DatabaseError covers psycopg's
# refused or dropped connections (OperationalError, InterfaceError).
OUTAGES = (DatabaseError, BrokerError, RedisConnectionError)
RETRY_AFTER_SECONDS = 30

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Briefly unavailable - NormAssess</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>NormAssess is briefly unavailable</h1>
<p>A server it needs is restarting. Nothing you saved is lost: wait a minute and reload
this page.</p>
</body></html>
"""


def unavailable_response() -> HttpResponse:
    response = HttpResponse(UNAVAILABLE_PAGE, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error_or_unavailable(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside the `except` of the failed request, so the
    exception is at hand. The page is self-contained: rendering the site's templates
    could need the very database that is down."""
    if isinstance(sys.exc_info()[1], OUTAGES):
        return unavailable_response()
    return server_error(request)


def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return unavailable_response()
    return HttpResponse("ok\n", content_type="text/plain")
