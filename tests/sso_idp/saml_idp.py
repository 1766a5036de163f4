"""A SAML 2.0 identity provider for the tests: pysaml2's IdP (`saml2.server.Server`) in a
tiny WSGI app on loopback, run as its own process. It signs its assertions with the key it
is given (RSA-SHA256, through the xmlsec library: pysaml2's own signing needs the xmlsec1
program, which this machine lacks).

GET /metadata         the IdP's metadata (entity id, sign-in address, certificate)
GET /sso?SAMLRequest  HTTP-Redirect binding; without `user=`, a sign-in page for a browser
                      (and with `page=1`, a page that posts the answer back); the person is named by `user=`, and
                      `variant=` makes a hostile answer: `other_key` (signed with another
                      key), `unsigned`, `audience` (for another service provider),
                      `expired`.
                      Answers JSON {acs, SAMLResponse, RelayState}: what the IdP's page
                      would post to the service provider.

Environment: PORT, SP_ENTITY_ID, ACS_URL (the one service provider), KEY_FILE, CERT_FILE, OTHER_KEY_FILE, OTHER_CERT_FILE, ACCOUNTS (JSON:
login -> {email, groups})."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import saml2.metadata
import xmlsec
from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT, samlp
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import decode_base64_and_inflate
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

PORT = int(os.environ["PORT"])
BASE = f"http://127.0.0.1:{PORT}"
ACCOUNTS = json.loads(os.environ["ACCOUNTS"])


SP_METADATA = (
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="{SP_ENTITY_ID}"><md:SPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'Location="{ACS_URL}" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>'
)


def _read(name: str) -> str:
    with open(os.environ[name]) as file:
        return file.read()


def server() -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{BASE}/metadata",
            "xmlsec_binary": "/bin/true",  # never run: signing is done below
            "key_file": os.environ["KEY_FILE"],
            "cert_file": os.environ["CERT_FILE"],
            # The service provider it answers (its entity id and where to post back).
            "metadata": {"inline": [SP_METADATA.format(**os.environ)]},
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{BASE}/sso", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "want_authn_requests_signed": False,
                    "policy": {"default": {"lifetime": {"minutes": 5}}},
                }
            },
        }
    )
    return Server(config=config)


IDP = server()
# The metadata would list the algorithms the xmlsec1 program supports (by running it); this
# IdP signs with RSA-SHA256 through the xmlsec library and advertises none.
saml2.metadata.algorithm_support_in_metadata = lambda xmlsec_binary: []


def sign(xml: bytes, key_pem: str, cert_pem: str) -> bytes:
    """The assertion signed (enveloped, exclusive c14n, RSA-SHA256), the signature placed
    after its Issuer as the schema wants."""
    root = etree.fromstring(xml)
    ns = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion"}
    assertion = root.find("saml:Assertion", ns)
    signature = xmlsec.template.create(
        assertion, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256
    )
    assertion.insert(1, signature)
    ref = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri="#" + assertion.get("ID")
    )
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
    key = xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(cert_pem, xmlsec.constants.KeyDataFormatPem)
    context = xmlsec.SignatureContext()
    context.key = key
    context.register_id(assertion, "ID")
    context.sign(signature)
    return etree.tostring(root)


def _an_hour_ago(xml: str) -> str:
    stamp = re.compile(r'(IssueInstant|NotBefore|NotOnOrAfter|AuthnInstant)="[^"]+"')
    past = datetime.now(UTC) - timedelta(hours=1)
    return stamp.sub(lambda m: f'{m.group(1)}="{past.strftime("%Y-%m-%dT%H:%M:%SZ")}"', xml)


def answer(query: dict) -> dict:
    # The request as the HTTP-Redirect binding carries it (deflated, base64); unsigned, and
    # this IdP knows no service provider's metadata to check it against.
    request = samlp.authn_request_from_string(decode_base64_and_inflate(query["SAMLRequest"][0]))
    login = query.get("user", [""])[0]
    variant = query.get("variant", [""])[0]
    account = ACCOUNTS[login]
    identity = {"email": [account["email"]], "groups": account["groups"]}
    response = IDP.create_authn_response(
        identity,
        in_response_to=request.id,
        destination=request.assertion_consumer_service_url,
        sp_entity_id=request.issuer.text,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=account["email"]),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
        sign_response=False,
        sign_assertion=False,
    )
    xml = str(response)
    if variant == "expired":
        xml = _an_hour_ago(xml)
    if variant == "audience":  # meant for another service provider
        xml = re.sub(r"(<[\w:]*Audience>)[^<]*", r"\1http://evil.example/metadata", xml)
    keys = (
        ("OTHER_KEY_FILE", "OTHER_CERT_FILE")
        if variant == "other_key"
        else ("KEY_FILE", "CERT_FILE")
    )
    signed = xml.encode() if variant == "unsigned" else sign(xml.encode(), *map(_read, keys))
    return {
        "acs": request.assertion_consumer_service_url,
        "SAMLResponse": base64.b64encode(signed).decode(),
        "RelayState": query.get("RelayState", [""])[0],
    }


def sign_in_page(query: dict) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(query[name][0])}">'
        for name in ("SAMLRequest", "RelayState")
        if name in query
    )
    return (
        "<!doctype html><title>Test IdP</title><h1>Test IdP: sign in</h1>"
        f'<form method="get" action="/sso">{hidden}<input type="hidden" name="page" value="1">'
        '<label>Login <input name="user" id="login"></label>'
        '<button type="submit" id="sign-in">Sign in</button></form>'
    )


def post_back_page(found: dict) -> str:
    """What an IdP's page does: post the signed response to the service provider."""
    return (
        "<!doctype html><title>Test IdP</title>"
        f'<form method="post" action="{html.escape(found["acs"])}">'
        f'<input type="hidden" name="SAMLResponse" value="{found["SAMLResponse"]}">'
        f'<input type="hidden" name="RelayState" value="{html.escape(found["RelayState"])}">'
        '<button type="submit" id="continue">Continue to the service</button></form>'
    )


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        if path == "/metadata":
            body, kind = str(entity_descriptor(IDP.config)).encode(), "application/xml"
        elif path == "/sso" and "user" not in query:  # a browser: the sign-in page
            body, kind = sign_in_page(query).encode(), "text/html"
        elif path == "/sso" and "page" in query:  # the browser posts the answer back
            body, kind = post_back_page(answer(query)).encode(), "text/html"
        elif path == "/sso":
            body, kind = json.dumps(answer(query)).encode(), "application/json"
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
    except Exception as error:  # the test reads why
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [f"{type(error).__name__}: {error}".encode()]
    start_response("200 OK", [("Content-Type", kind)])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    httpd = make_server("127.0.0.1", PORT, app, handler_class=QuietHandler)
    print("listening", flush=True)
    sys.stdout.flush()
    httpd.serve_forever()
