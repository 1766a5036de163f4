"""The endpoints Greenhouse calls, one per documented call. Every refusal, whatever the
body, is `{"errors": [...]}` with its status (the array of strings Greenhouse itself uses
in `response_error`; Greenhouse documents no error body for partners)."""

from __future__ import annotations

from django.http import JsonResponse

from assess.publicurl import public_base_url

from .greenhouse import test_send, test_status, tests_list
from .inbound import RequestRefused, ats_endpoint, json_object
from .links import link_for
from .models import Ats


def refuse(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"errors": [message]}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="greenhouse"'
    return response


def answer(data) -> JsonResponse:
    return JsonResponse(data, status=200, safe=False)


def greenhouse_call(name: str, method: str):
    return ats_endpoint(Ats.GREENHOUSE, name, method, refuse, answer)


@greenhouse_call("list_tests", "GET")
def list_tests(request, connection, exchange):
    return tests_list(connection)


@greenhouse_call("send_test", "POST")
def send_test(request, connection, exchange):
    link, _ = test_send(connection, json_object(request), base_url=public_base_url(request))
    exchange.link = link
    return {"partner_interview_id": link.partner_interview_id}


@greenhouse_call("test_status", "GET")
def test_status_view(request, connection, exchange):
    ids = request.GET.getlist("partner_interview_id")
    if len(ids) != 1:
        raise RequestRefused(400, "Send one partner_interview_id.")
    link = link_for(connection, ids[0])
    exchange.link = link
    return test_status(link, base_url=public_base_url(request))


@greenhouse_call("response_error", "POST")
def response_error(request, connection, exchange):
    """Greenhouse tells us our answer did not validate. Only how many errors it saw is
    logged: its body may carry the candidate's email, which no log keeps."""
    errors = json_object(request).get("errors")
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise RequestRefused(400, "errors must be an array of strings.")
    exchange.note = f"Greenhouse reported {len(errors)} error(s) in our responses."
    return {}
