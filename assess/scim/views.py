"""The SCIM 2.0 endpoints under /scim/v2/ (RFC 7644). Each view reads the request, names
the calling organization from its token, calls one function of `services` and answers
in SCIM's shape; every refusal is a ScimError and leaves as SCIM's Error body."""

from __future__ import annotations

from functools import wraps

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import Context, Group, User

from . import services
from .auth import calling_organization
from .models import DirectoryGroup, DirectoryUser
from .protocol import (
    ScimError,
    attribute_params,
    equality_filter,
    list_response,
    page_params,
    read_body,
    read_patch,
    read_resource,
    resource_types,
    schemas,
    scim_response,
    service_provider_config,
)
from .resources import dump, group_resource, user_resource

USER_FILTERS = {"username": "user__username__iexact", "externalid": "resource__externalId"}
GROUP_FILTERS = {"displayname": "display_name__iexact", "externalid": "resource__externalId"}


def scim_endpoint(methods: tuple[str, ...]):
    """Token to organization, the allowed methods, and ScimError to SCIM's Error body."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            org = None
            try:
                org = calling_organization(request)
                if request.method not in methods:
                    raise ScimError(405, f"{request.method} is not allowed here.")
                request.scim_base = request.build_absolute_uri("/scim/v2/")
                return view(request, org, *args, **kwargs)
            except ScimError as exc:
                response = exc.response()
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="scim"'
                else:
                    services.request_refused(org, request, exc, kwargs.get("scim_id"))
                return response

        return wrapper

    return decorate


def _params(request: HttpRequest) -> dict:
    return request.GET if request.method == "GET" else read_body(request)


def _list(request, rows, filters, to_resource) -> HttpResponse:
    params = _params(request)
    if request.method == "POST" and params.get("schemas") != [
        "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
    ]:
        raise ScimError(400, "A search body must be a SearchRequest.", "invalidSyntax")
    chosen = equality_filter(params.get("filter"), filters)
    if chosen is not None:
        rows = rows.filter(Q(**{chosen[0]: chosen[1]}))
    start, count = page_params(params)
    attributes = attribute_params(params)
    total = rows.count()
    page = rows[start - 1 : start - 1 + count]
    resources = [dump(to_resource(row, request.scim_base), attributes=attributes) for row in page]
    return scim_response(list_response(resources, total=total, start=start))


def _change(request: HttpRequest, schema, as_resource):
    """The new resource for the row an update locks: a PUT's body (read before the lock, so
    a bad body locks nothing), or a PATCH's operations applied to the stored resource."""
    body = read_body(request)
    if request.method == "PUT":
        resource = read_resource(body, schema, Context.RESOURCE_REPLACEMENT_REQUEST)
        return lambda row: resource
    patch = read_patch(body, schema)
    return lambda row: services.patched(as_resource(row, request.scim_base), patch)


@scim_endpoint(("GET", "POST"))
def users(request: HttpRequest, org) -> HttpResponse:
    if request.method == "GET":
        rows = DirectoryUser.objects.filter(organization=org).select_related("user")
        return _list(request, rows, USER_FILTERS, user_resource)
    resource = read_resource(read_body(request), User, Context.RESOURCE_CREATION_REQUEST)
    row = services.user_create(org, resource, request)
    body = dump(user_resource(row, request.scim_base))
    return scim_response(body, status=201, location=body["meta"]["location"])


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def user(request: HttpRequest, org, scim_id: str) -> HttpResponse:
    if request.method == "GET":
        row = services.directory_user(org, scim_id)
        return scim_response(
            dump(user_resource(row, request.scim_base), attributes=attribute_params(request.GET))
        )
    if request.method == "DELETE":
        services.user_delete(org, scim_id, request)
        return HttpResponse(status=204)
    row = services.user_update(org, scim_id, _change(request, User, user_resource), request)
    return scim_response(dump(user_resource(row, request.scim_base)))


@scim_endpoint(("GET", "POST"))
def groups(request: HttpRequest, org) -> HttpResponse:
    if request.method == "GET":
        rows = DirectoryGroup.objects.filter(organization=org)
        return _list(request, rows, GROUP_FILTERS, group_resource)
    resource = read_resource(read_body(request), Group, Context.RESOURCE_CREATION_REQUEST)
    row = services.group_create(org, resource, request)
    body = dump(group_resource(row, request.scim_base))
    return scim_response(body, status=201, location=body["meta"]["location"])


@scim_endpoint(("GET", "PUT", "PATCH", "DELETE"))
def group(request: HttpRequest, org, scim_id: str) -> HttpResponse:
    if request.method == "GET":
        row = services.directory_group(org, scim_id)
        return scim_response(
            dump(group_resource(row, request.scim_base), attributes=attribute_params(request.GET))
        )
    if request.method == "DELETE":
        services.group_delete(org, scim_id, request)
        return HttpResponse(status=204)
    row = services.group_update(org, scim_id, _change(request, Group, group_resource), request)
    return scim_response(dump(group_resource(row, request.scim_base)))


@scim_endpoint(("POST",))
def users_search(request: HttpRequest, org) -> HttpResponse:
    rows = DirectoryUser.objects.filter(organization=org).select_related("user")
    return _list(request, rows, USER_FILTERS, user_resource)


@scim_endpoint(("POST",))
def groups_search(request: HttpRequest, org) -> HttpResponse:
    return _list(
        request, DirectoryGroup.objects.filter(organization=org), GROUP_FILTERS, group_resource
    )


@scim_endpoint(("POST",))
def root_search(request: HttpRequest, org) -> HttpResponse:
    raise ScimError(501, "Searching several resource types at once is not supported.")


@scim_endpoint(("GET",))
def service_provider(request: HttpRequest, org) -> HttpResponse:
    return scim_response(service_provider_config(request.scim_base))


def _collection(documents: dict[str, dict], key: str | None) -> HttpResponse:
    if key is None:
        items = list(documents.values())
        return scim_response(list_response(items, total=len(items), start=1))
    if key not in documents:
        raise ScimError(404, f"No {key!r} here.")
    return scim_response(documents[key])


@scim_endpoint(("GET",))
def resource_type_list(request: HttpRequest, org, key: str | None = None) -> HttpResponse:
    return _collection(resource_types(request.scim_base), key)


@scim_endpoint(("GET",))
def schema_list(request: HttpRequest, org, key: str | None = None) -> HttpResponse:
    return _collection(schemas(request.scim_base), key)


@scim_endpoint(("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown(request: HttpRequest, org, rest: str = "") -> HttpResponse:
    raise ScimError(404, "There is no SCIM endpoint at this address.")
