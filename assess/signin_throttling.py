"""Sign-in throttling on django-axes: three counters of failed sign-ins, each with its own
limit, and a growing pause between failures before a counter locks.

django-axes counts failures for each AXES_LOCKOUT_PARAMETERS alternative (one username from
one address, one address, one username) but compares only the largest count with the one
AXES_FAILURE_LIMIT. The handler here gives each counter its own limit, asks for a pause
after each failure past half a limit, and on success forgives only that username's failures
from that address. The counting itself (rows, cool-off, clean-up) stays axes's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from logging import getLogger

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = getLogger(__name__)

PAIR, ADDRESS, USERNAME = "pair", "address", "username"

# What each AXES_LOCKOUT_PARAMETERS alternative counts, and the setting holding its limit.
_COUNTERS = {
    frozenset({"username", "ip_address"}): (PAIR, "AXES_FAILURE_LIMIT"),
    frozenset({"ip_address"}): (ADDRESS, "AXES_ADDRESS_FAILURE_LIMIT"),
    frozenset({"username"}): (USERNAME, "AXES_USERNAME_FAILURE_LIMIT"),
}

# Doubling stops here long before it matters (2**20 s is 12 days): keeps timedelta finite.
_MAX_DOUBLINGS = 20


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused before its password is checked, and until when."""

    counter: str  # PAIR, ADDRESS or USERNAME
    locked: bool  # True: the counter reached its limit; False: too soon after a failure
    retry_at: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.retry_at - now).total_seconds()))


def failure_pause(failures: int, limit: int) -> timedelta:
    """The pause a counter asks for after its latest failure: none up to half its limit,
    then AXES_DELAY_SECONDS, doubled for each further failure, at most
    AXES_DELAY_MAX_SECONDS. With limit 20: nothing after 1..10 failures, 2 s after 11,
    4 s after 12, ..., 60 s after 16..19; the 20th locks."""
    past_half = failures - limit // 2
    if past_half <= 0:
        return timedelta(0)
    seconds = settings.AXES_DELAY_SECONDS * 2 ** min(past_half - 1, _MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, settings.AXES_DELAY_MAX_SECONDS))


def counter_refusal(
    rows: list[tuple[datetime, int]], limit: int, cool_off: timedelta
) -> tuple[bool, datetime] | None:
    """(locked, retry_at) for one counter, from its unexpired axes rows as (time of the
    row's latest failure, failures in the row), oldest first; None without rows.

    A lock lifts when enough of the oldest rows have expired (cool_off after their latest
    failure) that the rest fall below the limit."""
    if not rows:
        return None
    total = sum(failures for _, failures in rows)
    if total >= limit:
        remaining = total
        for latest, failures in rows:
            remaining -= failures
            if remaining < limit:
                return True, latest + cool_off
    return False, rows[-1][0] + failure_pause(total, limit)


class SigninThrottleHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes's database handler, with a limit for each counter."""

    def refusal(self, request: HttpRequest, credentials: dict | None = None) -> Refusal | None:
        """The refusal that lasts longest among the counters this attempt falls under."""
        now = request.axes_attempt_time
        cool_off = get_cool_off(request)
        refusals = []
        for parameter, attempts in zip(
            get_lockout_parameters(request, credentials),
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            fields = frozenset([parameter] if isinstance(parameter, str) else parameter)
            counter, limit_setting = _COUNTERS[fields]
            rows = list(
                attempts.order_by("attempt_time").values_list(
                    "attempt_time", "failures_since_start"
                )
            )
            verdict = counter_refusal(rows, getattr(settings, limit_setting), cool_off)
            if verdict is not None and verdict[1] > now:
                refusals.append(Refusal(counter, *verdict))
        return max(refusals, key=lambda refusal: refusal.retry_at, default=None)

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        """Locked, or asked to pause after a recent failure. Axes asks before the password
        is checked, so a refused attempt tests no password; it is not counted either
        (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off)."""
        request.signin_refusal = self.refusal(request, credentials)
        return request.signin_refusal is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Counts the failure (axes), then locks when it brought a counter to its limit, so
        the failure that reaches the limit already answers with the lockout page."""
        refused_unchecked = request is not None and request.axes_locked_out
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused_unchecked:
            return
        refusal = self.refusal(request, credentials)
        if refusal is None or not refusal.locked:
            # The form says the password was wrong; a retry inside a pause is refused then.
            return
        username = get_client_username(request, credentials)
        log.warning(
            "AXES: sign-in locked (%s counter) for username %r from %s",
            refusal.counter,
            username,
            request.axes_ip_address,
        )
        request.signin_refusal = refusal
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes", request=request, username=username, ip_address=request.axes_ip_address
        )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful sign-in, forget that username's failures from that address only:
        whoever sprays usernames from an address must not clear its count by signing in to
        an account of their own, nor does the owner's sign-in clear guesses from elsewhere."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count


def signin_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the typed username as axes stores it, without NUL characters
    and cut to its column's length (255: accounts have at most 150 characters, so no two
    of them meet). The sign-in form does not bound the username it passes on."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    max_length = AccessAttempt._meta.get_field("username").max_length
    return str(username).replace("\0", "")[:max_length]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429, a page that says which counter refused and for how long,
    and Retry-After."""
    refusal = getattr(request, "signin_refusal", None)
    if refusal is not None:
        seconds = refusal.seconds_left(request.axes_attempt_time)
    else:  # refused for a reason of axes's own (a blocklist): the whole cool-off
        seconds = math.ceil(get_cool_off(request).total_seconds())
    response = render(
        request,
        "axes_lockout.html",
        {"refusal": refusal, "wait": wait_text(seconds), "sign_in_url": request.get_full_path()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(seconds)
    return response


def wait_text(seconds: int) -> str:
    """'1 second', '45 seconds', '15 minutes' (whole minutes, rounded up, from 2 minutes)."""
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{math.ceil(seconds / 60)} minutes"
