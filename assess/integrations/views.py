"""The organization admin's page for the applicant-tracking systems: connect each ATS (or
rotate its key), give Ashby its own API key, test the connection, read the exchange log,
send a failed result again."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assess.audit import events
from assess.audit.trail import record_event
from assess.models import Organization
from assess.orgs.access import MANAGE, org_view
from assess.publicurl import public_url

from .connections import connection_connect, connection_disconnect, connection_set_outgoing_key
from .credentials import credential_unseal
from .lever import lever_check
from .lever_oauth import is_connected
from .links import sendable_assessments
from .models import Ats, AtsConnection, AtsExchange, AtsPush, PushStatus
from .pushes import CannotSend, ashby_key_check, push_retry

LOG_ROWS = 50
CALLS = {
    Ats.GREENHOUSE: ("list_tests", "send_test", "test_status", "response_error"),
    Ats.ASHBY: ("assessment.list", "assessment.start", "assessment.cancel"),
}
# The systems connected with a key of ours (Lever is connected by OAuth, lever_views.py).
KEYED = tuple(CALLS)


def _ats(value: str) -> str:
    if value not in KEYED:
        raise Http404("No such ATS")
    return value


def _endpoints(request: HttpRequest, ats: str, connection) -> list[tuple[str, str]]:
    if ats == Ats.LEVER:
        if connection is None:
            return []
        path = reverse("integrations:lever_webhook", kwargs={"webhook_id": connection.webhook_id})
        return [("candidateStageChange, candidateArchiveChange", public_url(request, path))]
    return [(call, public_url(request, reverse(_route(ats, call)))) for call in CALLS[ats]]


def _route(ats: str, call: str) -> str:
    return f"integrations:{ats}_{call.replace('.', '_')}"


@require_GET
@org_view(MANAGE)
def integrations_page(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    # A disconnected one reads "Not connected" (its row keeps the log and the links).
    connections = {c.ats: c for c in AtsConnection.objects.filter(organization=org, active=True)}
    new_key = request.session.pop("integrations_new_key", None)
    systems = [
        {
            "ats": ats,
            "label": label,
            "connection": connections.get(ats),
            "new_key": new_key[1] if new_key and new_key[0] == ats else None,
            "endpoints": _endpoints(request, ats, connections.get(ats)),
            "lever_connected": ats == Ats.LEVER
            and ats in connections
            and is_connected(connections[ats]),
        }
        for ats, label in Ats.choices
    ]
    return render(
        request,
        "assess/integrations/settings.html",
        {
            "org": org,
            "role": role,
            "systems": systems,
            "assessments": sendable_assessments(org.pk),
            # `get_page` reads any ?page= (a word, 0, past the end) as the nearest page.
            "exchanges": Paginator(
                AtsExchange.objects.filter(connection__organization=org).select_related(
                    "connection", "link"
                ),
                LOG_ROWS,
            ).get_page(request.GET.get("page")),
            "dead_letters": AtsPush.objects.filter(
                link__connection__organization=org, status=PushStatus.FAILED
            ).select_related("link"),
        },
    )


@require_POST
@org_view(MANAGE)
def integrations_connect(
    request: HttpRequest, org: Organization, role: str, ats: str
) -> HttpResponse:
    """Connect an ATS, or rotate its key (the old key stops working at once)."""
    connection, raw = connection_connect(org, _ats(ats))
    record_event(
        events.INTEGRATION_CONNECTED,
        request,
        target=connection,
        details={"ats": connection.ats, "rotated": connection.rotated_at is not None},
    )
    # Shown once, on the next page, never in a URL.
    request.session["integrations_new_key"] = [ats, raw]
    messages.success(
        request, f"A new {connection.get_ats_display()} key was made; give it to them now."
    )
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_disconnect(
    request: HttpRequest, org: Organization, role: str, ats: str
) -> HttpResponse:
    """Disconnect an ATS: its key and our copy of its credentials are erased at once."""
    connection = get_object_or_404(AtsConnection, organization=org, ats=_ats(ats), active=True)
    connection_disconnect(connection)
    record_event(
        events.INTEGRATION_DISCONNECTED, request, target=connection, details={"ats": connection.ats}
    )
    messages.success(
        request,
        f"{connection.get_ats_display()} is disconnected: its calls are refused from now on.",
    )
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_outgoing_key(
    request: HttpRequest, org: Organization, role: str, ats: str
) -> HttpResponse:
    """The ATS's own API key, for the results we send it (Ashby)."""
    connection = get_object_or_404(AtsConnection, organization=org, ats=_ats(ats))
    try:
        connection_set_outgoing_key(connection, request.POST.get("api_key", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{connection.get_ats_display()}'s API key is saved.")
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_check(
    request: HttpRequest, org: Organization, role: str, ats: str
) -> HttpResponse:
    """Test the connection: the stored keys can be read (and, for Ashby, Ashby accepts its
    key), and how many tests the ATS sees."""
    if ats == Ats.LEVER:
        connection = get_object_or_404(AtsConnection, organization=org, ats=Ats.LEVER)
        try:
            messages.success(request, lever_check(connection))
        except CannotSend as exc:
            messages.error(request, str(exc))
        return redirect("org:integrations", org_slug=org.slug)
    connection = get_object_or_404(AtsConnection, organization=org, ats=_ats(ats))
    name = connection.get_ats_display()
    if credential_unseal(connection.key_sealed) is None:
        messages.error(
            request, "The stored key cannot be read (the server's key changed): rotate it."
        )
        return redirect("org:integrations", org_slug=org.slug)
    accepted = ""
    if ats == Ats.ASHBY:
        try:
            accepted = ashby_key_check(connection) + " "
        except CannotSend as exc:
            messages.error(request, str(exc))
            return redirect("org:integrations", org_slug=org.slug)
    tests = sendable_assessments(connection.organization_id).count()
    last = connection.exchanges.filter(direction="in").first()
    heard = (
        f"last call from {name}: {last.endpoint} at {last.created_at:%Y-%m-%d %H:%M} UTC"
        if last
        else f"no call from {name} yet"
    )
    messages.success(
        request, f"{accepted}The connection works: {name} will see {tests} test(s); {heard}."
    )
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_push_retry(
    request: HttpRequest, org: Organization, role: str, push_id: int
) -> HttpResponse:
    push = get_object_or_404(AtsPush, pk=push_id, link__connection__organization=org)
    push_retry(push)
    messages.success(request, "The result will be sent again.")
    return redirect("org:integrations", org_slug=org.slug)
