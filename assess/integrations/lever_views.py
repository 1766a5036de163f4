"""Lever's pages and endpoint: "Connect Lever" (OAuth), the return from Lever, the admin's
stage map and signature tokens, and the webhook Lever calls. Lever documents no error
body for a webhook receiver: every refusal is `{"error": "..."}` with its status (Lever
sends a delivery again after a non-2xx answer)."""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assess.audit import events
from assess.audit.trail import record_event
from assess.models import Organization
from assess.orgs.access import MANAGE, org_view
from assess.publicurl import public_base_url, public_url

from .connections import CannotSend
from .inbound import ats_endpoint, json_object
from .lever import lever_options_save, webhook_handle
from .lever_oauth import authorize_url, code_exchange, lever_connection
from .links import LINK_ID
from .models import Ats, AtsConnection

SESSION_KEY = "integrations_lever_oauth"


def _redirect_uri(request: HttpRequest) -> str:
    return public_url(request, reverse("integrations:lever_oauth_callback"))


@require_POST
@org_view(MANAGE)
def lever_connect(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """Send the admin to Lever to grant access; `state` ties the return to this session."""
    if not settings.LEVER_CLIENT_ID:
        messages.error(request, "Lever is not set up on this server (LEVER_CLIENT_ID).")
        return redirect("org:integrations", org_slug=org.slug)
    state = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {"org": org.slug, "state": state}
    return redirect(authorize_url(state, _redirect_uri(request)))


@require_GET
@login_required
def lever_oauth_callback(request: HttpRequest) -> HttpResponse:
    """Lever sends the admin back here (one address for every organization, as Lever
    registers one): the organization is the one this session started from."""
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict) or not pending.get("org"):
        messages.error(request, "This return from Lever was not started here; connect again.")
        return redirect("org:home")
    return _lever_finish(request, org_slug=pending["org"], state=pending.get("state", ""))


@org_view(MANAGE)
def _lever_finish(request: HttpRequest, org: Organization, role: str, state: str) -> HttpResponse:
    back = redirect("org:integrations", org_slug=org.slug)
    given = request.GET.get("state", "")
    if not state or not hmac.compare_digest(given.encode(), state.encode()):
        messages.error(request, "The return from Lever did not match this session; connect again.")
        return back
    if request.GET.get("error"):
        messages.error(request, "Lever did not grant access; nothing changed.")
        return back
    code = request.GET.get("code", "")
    if not code or len(code) > 500 or not code.isprintable():
        messages.error(request, "Lever sent no code; connect again.")
        return back
    connection = lever_connection(org)
    try:
        code_exchange(connection, code, _redirect_uri(request))
    except CannotSend as exc:
        messages.error(request, str(exc))
    else:
        record_event(
            events.INTEGRATION_CONNECTED, request, target=connection, details={"ats": Ats.LEVER}
        )
        messages.success(request, "Lever is connected.")
    return back


@require_POST
@org_view(MANAGE)
def lever_settings(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    connection = get_object_or_404(AtsConnection, organization=org, ats=Ats.LEVER)
    try:
        lever_options_save(
            connection,
            stages=request.POST.get("stages", ""),
            perform_as=request.POST.get("perform_as", ""),
            stage_token=request.POST.get("stage_token", ""),
            archive_token=request.POST.get("archive_token", ""),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Lever's settings are saved.")
    return redirect("org:integrations", org_slug=org.slug)


def refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def answer(data) -> JsonResponse:
    return JsonResponse({"ok": True} | data, status=200)


def _by_webhook_id(request: HttpRequest, webhook_id: str) -> AtsConnection | None:
    if not LINK_ID.fullmatch(webhook_id):
        return None
    return (
        AtsConnection.objects.select_related("organization")
        .filter(ats=Ats.LEVER, webhook_id=webhook_id, active=True)
        .first()
    )


@ats_endpoint(Ats.LEVER, "webhook", "POST", refuse, answer, find_connection=_by_webhook_id)
def lever_webhook(request, connection, exchange):
    result, link = webhook_handle(
        connection, json_object(request), base_url=public_base_url(request)
    )
    exchange.link = link
    return result
