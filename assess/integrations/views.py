"""The organization admin's page for the applicant-tracking systems: connect (or rotate
the key), check the connection, read the exchange log, send a failed result again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assess.models import Organization
from assess.orgs.access import MANAGE, org_view
from assess.publicurl import public_url

from .connections import connection_connect
from .credentials import credential_unseal
from .greenhouse import tests_list
from .models import Ats, AtsConnection, AtsExchange, AtsPush, PushStatus
from .pushes import push_retry

LOG_ROWS = 50
GREENHOUSE_CALLS = ("list_tests", "send_test", "test_status", "response_error")


@require_GET
@org_view(MANAGE)
def integrations_page(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    connection = AtsConnection.objects.filter(organization=org, ats=Ats.GREENHOUSE).first()
    return render(
        request,
        "assess/integrations/settings.html",
        {
            "org": org,
            "role": role,
            "connection": connection,
            "new_key": request.session.pop("integrations_new_key", None),
            "endpoints": [
                (call, public_url(request, reverse(f"integrations:greenhouse_{call}")))
                for call in GREENHOUSE_CALLS
            ],
            "exchanges": AtsExchange.objects.filter(connection__organization=org)[:LOG_ROWS],
            "dead_letters": AtsPush.objects.filter(
                link__connection__organization=org, status=PushStatus.FAILED
            ),
        },
    )


@require_POST
@org_view(MANAGE)
def integrations_connect(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """Connect Greenhouse, or rotate its key (the old key stops working at once)."""
    _, raw = connection_connect(org, Ats.GREENHOUSE)
    # Shown once, on the next page, never in a URL.
    request.session["integrations_new_key"] = raw
    messages.success(request, "A new Greenhouse key was made; give it to Greenhouse now.")
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_check(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """Test the connection: the stored key can be read, and which tests Greenhouse will see."""
    connection = get_object_or_404(AtsConnection, organization=org, ats=Ats.GREENHOUSE)
    if credential_unseal(connection.key_sealed) is None:
        messages.error(
            request, "The stored key cannot be read (the server's key changed): rotate it."
        )
    else:
        tests = tests_list(connection)
        last = connection.exchanges.filter(direction="in").first()
        heard = (
            f"last call from Greenhouse: {last.endpoint} at {last.created_at:%Y-%m-%d %H:%M} UTC"
            if last
            else "no call from Greenhouse yet"
        )
        messages.success(
            request, f"The connection works: Greenhouse will see {len(tests)} test(s); {heard}."
        )
    return redirect("org:integrations", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def integrations_push_retry(
    request: HttpRequest, org: Organization, role: str, push_id: int
) -> HttpResponse:
    push = get_object_or_404(AtsPush, pk=push_id, link__connection__organization=org)
    push_retry(push)
    messages.success(request, "The result will be sent to Greenhouse again.")
    return redirect("org:integrations", org_slug=org.slug)
