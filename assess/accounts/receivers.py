"""What the sign-in machinery (Django's auth, django-axes, allauth.mfa) announces, recorded
in the audit trail. Connected in AccountsConfig.ready."""

from __future__ import annotations

import time

from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from assess.audit import events
from assess.audit.trail import record_event

from .middleware import LAST_SEEN_AT, SIGNED_IN_AT


def connect() -> None:
    user_logged_in.connect(on_signed_in, dispatch_uid="audit-signin")
    user_logged_out.connect(on_signed_out, dispatch_uid="audit-signout")
    user_login_failed.connect(on_signin_failed, dispatch_uid="audit-signin-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit-signin-locked")
    mfa_signals.authenticator_added.connect(on_factor_added, dispatch_uid="audit-mfa-added")
    mfa_signals.authenticator_removed.connect(on_factor_removed, dispatch_uid="audit-mfa-removed")
    mfa_signals.authenticator_reset.connect(on_factor_reset, dispatch_uid="audit-mfa-reset")
    mfa_signals.authentication_failed.connect(on_factor_failed, dispatch_uid="audit-mfa-failed")


def account_named(username) -> object | None:
    """The account a typed username names, if any (never a lookup the database refuses)."""
    if not isinstance(username, str) or not username or "\0" in username or len(username) > 150:
        return None
    return get_user_model().objects.filter(username=username).first()


def on_signed_in(sender, request, user, **kwargs) -> None:
    # The session's clock for the organization's timeouts (assess.accounts.middleware).
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = time.time()
    record_event(events.SIGNIN_SUCCEEDED, request, actor=user, organization=None)


def on_signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(events.SIGNOUT, request, actor=user)


def on_signin_failed(sender, credentials, request=None, **kwargs) -> None:
    account = account_named(credentials.get("username"))
    throttled = bool(getattr(request, "axes_locked_out", False))
    details = {"known_account": account is not None, "throttled": throttled}
    record_event(events.SIGNIN_FAILED, request, target=account, details=details)


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record_event(events.SIGNIN_LOCKED, request, target=account_named(username))


def on_factor_added(sender, request, user, authenticator, **kwargs) -> None:
    record_event(events.MFA_ENROLLED, request, actor=user, details={"kind": authenticator.type})


def on_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    record_event(events.MFA_REMOVED, request, actor=user, details={"kind": authenticator.type})


def on_factor_reset(sender, request, user, authenticator, **kwargs) -> None:
    record_event(
        events.MFA_RECOVERY_CODES_REGENERATED,
        request,
        actor=user,
        details={"kind": authenticator.type},
    )


def on_factor_failed(sender, request, user, authenticator=None, **kwargs) -> None:
    kind = authenticator.type if authenticator is not None else ""
    record_event(events.MFA_FAILED, request, actor=user, details={"kind": kind})
