"""The endpoints Ashby calls. Answers are `{"success": true, "results": ...}`; every
refusal is `{"success": false, "errors": [...], "message": "..."}` with its status: the
envelope of Ashby's own API, and the `message` Ashby's reference asks of a 422 ("a custom
error message that will be shown to the user in Ashby")."""

from __future__ import annotations

from django.http import JsonResponse

from assess.publicurl import public_base_url

from .ashby import assessment_start, assessments_list
from .inbound import ats_endpoint, json_object, text_field
from .links import link_cancel, link_for
from .models import Ats


def refuse(status: int, message: str) -> JsonResponse:
    response = JsonResponse(
        {"success": False, "errors": [message], "message": message}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="ashby"'
    return response


def answer(results) -> JsonResponse:
    return JsonResponse({"success": True, "results": results}, status=200)


def ashby_call(name: str):
    return ats_endpoint(Ats.ASHBY, name, "POST", refuse, answer)


@ashby_call("assessment.list")
def assessment_list(request, connection, exchange):
    return assessments_list(connection)


@ashby_call("assessment.start")
def assessment_start_view(request, connection, exchange):
    body = json_object(request)
    link, _ = assessment_start(connection, body, base_url=public_base_url(request))
    exchange.link = link
    return {"assessment_id": link.partner_interview_id}


@ashby_call("assessment.cancel")
def assessment_cancel(request, connection, exchange):
    link = link_for(connection, text_field(json_object(request), "assessment_id", max_chars=40))
    exchange.link = link
    link_cancel(link)
    return {"assessment_id": link.partner_interview_id}
