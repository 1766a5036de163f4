"""SAML 2.0 per organization, through django-allauth's SAML provider (python3-saml): the
identity provider's metadata read once when the admin saves it (an uploaded file or a URL),
never at sign-in; the same domain and role rules, SSO-only mode and audit events as OpenID
Connect (assess/sso/services.py)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.db import transaction
from django.urls import reverse
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from assess.outbound import TOO_LONG, OutboundUrlError, http_send, outbound_target

from .models import OrganizationSso
from .services import sso_rules_save

# Larger than any one identity provider's metadata (a few KiB); a federation's aggregate of
# thousands of entities is not what an organization's admin uploads.
MAX_METADATA_BYTES = 256 * 1024

# Where allauth's SAML provider finds the email and the groups in an assertion: the
# attribute named `email` or the usual URIs (else the NameID, when its format is email).
ATTRIBUTE_MAPPING = {
    "email": [
        "email",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": ["givenName", "urn:oid:2.5.4.42"],
    "last_name": ["sn", "urn:oid:2.5.4.4"],
}
DTD_REFUSED = (
    "The metadata declares a DTD or entities, which are refused (XML entity expansion and "
    "external entities)."
)


class MetadataRefused(ValueError):
    """Metadata we cannot use, with the message the admin reads."""


def metadata_parse(xml: bytes | str, entity_id: str = "") -> dict:
    """{entity_id, sso_url, x509cert} of the identity provider in `xml`. python3-saml's
    parser refuses a DTD (so entity expansion and external entities) before reading."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8", "surrogatepass")
    if len(xml) > MAX_METADATA_BYTES:
        raise MetadataRefused(f"The metadata is larger than {MAX_METADATA_BYTES // 1024} KiB.")
    if b"\x00" in xml:
        raise MetadataRefused("The metadata contains a NUL character: not an XML document.")
    # python3-saml's parser also refuses a DTD, but only after lxml read the document: an
    # entity used in it fails first as a syntax error. Metadata never needs a DTD.
    lowered = xml[:MAX_METADATA_BYTES].lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise MetadataRefused(DTD_REFUSED)
    try:
        found = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id or None)
    except Exception as error:  # lxml's, defusedxml-style DTD refusal, bad encodings
        if "DTD" in type(error).__name__ or "Entit" in type(error).__name__:
            raise MetadataRefused(DTD_REFUSED) from None
        raise MetadataRefused("The metadata is not a readable XML document.") from None
    idp = found.get("idp") or {}
    result = {
        "entity_id": str(idp.get("entityId") or ""),
        "sso_url": str((idp.get("singleSignOnService") or {}).get("url") or ""),
        "x509cert": str(idp.get("x509cert") or ""),
    }
    if not all(result.values()):
        raise MetadataRefused(
            "The metadata names no identity provider with an entity id, an HTTP-Redirect "
            "sign-in address and a signing certificate."
        )
    return result


def metadata_fetch(url: str) -> bytes:
    """The metadata at `url`, read at most MAX_METADATA_BYTES, through the platform's
    outbound rules (a public address only, pinned, no redirects): an admin cannot make the
    server read its own network."""
    try:
        address = outbound_target(url)
    except OutboundUrlError as exc:
        raise MetadataRefused(exc.message) from None
    headers = {"Accept": "application/samlmetadata+xml, application/xml, text/xml"}
    answer = http_send("GET", url, b"", headers, address=address, read_body=MAX_METADATA_BYTES)
    if answer.status is None and answer.error.startswith(TOO_LONG):
        raise MetadataRefused(f"The metadata is larger than {MAX_METADATA_BYTES // 1024} KiB.")
    if answer.status is None:
        raise MetadataRefused("The metadata URL could not be read.")
    if answer.status != 200:
        # Not the status: an answer per address would let an admin map the network
        # this server sits in.
        raise MetadataRefused("The metadata URL did not answer with the metadata.")
    return answer.body


def app_settings(idp: dict) -> dict:
    """allauth's SAML settings: the assertion must be signed by this certificate, strict
    checks (audience, times, destination), no sign-in the identity provider started."""
    return {
        "idp": {
            "entity_id": idp["entity_id"],
            "sso_url": idp["sso_url"],
            "x509cert": idp["x509cert"],
        },
        "attribute_mapping": ATTRIBUTE_MAPPING,
        "use_nameid_for_email": False,
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
            # Our own addresses come from a host ALLOWED_HOSTS accepted, the identity
            # provider's were checked by the settings form: an intranet name without a dot
            # (https://normassess/) must not make python3-saml refuse every sign-in (a 500).
            "allow_single_label_domains": True,
        },
    }


@transaction.atomic
def saml_configure(org, data: dict, *, actor=None, request=None) -> OrganizationSso:
    """The organization's SAML identity provider as its admin set it: an allauth SocialApp
    of the SAML provider (client id = the organization's slug, as allauth's SAML addresses
    name it) replacing any OpenID Connect one."""
    sso = OrganizationSso.objects.select_related("app").filter(organization=org).first()
    app = sso.app if sso else SocialApp(provider_id=f"org-{org.slug}")
    app.provider, app.name, app.client_id, app.secret = "saml", org.name[:40], org.slug, ""
    app.settings = app_settings(data["idp"])
    app.save()
    sso = sso or OrganizationSso(organization=org, app=app)
    sso.protocol = OrganizationSso.Protocol.SAML
    sso.saml_metadata_url = data.get("metadata_url", "")
    sso.saml_entity_id = data["idp"]["entity_id"]
    sso.saml_sso_url = data["idp"]["sso_url"]
    sso.saml_x509cert = data["idp"]["x509cert"]
    return sso_rules_save(
        sso,
        data,
        actor=actor,
        request=request,
        details={"protocol": "saml", "issuer": sso.saml_entity_id},
    )


def sign_in_url(sso: OrganizationSso) -> str:
    return reverse("saml_login", kwargs={"organization_slug": sso.app.client_id})


def sp_addresses(request, org) -> dict:
    """What the admin registers at the identity provider."""

    def absolute(name):
        return request.build_absolute_uri(reverse(name, kwargs={"organization_slug": org.slug}))

    return {"acs": absolute("saml_acs"), "entity_id": absolute("saml_metadata")}
