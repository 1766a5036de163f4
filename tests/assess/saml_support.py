"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (tests/sso_idp/saml_idp.py)
in its own process on loopback, signing its assertions with a key made here at test time
(and, for the bad-signature case, with another key)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.assess.sso_support import free_port

IDP_SCRIPT = Path(__file__).resolve().parents[1] / "sso_idp" / "saml_idp.py"


def key_and_certificate(name: str) -> tuple[str, str]:
    """A fresh RSA key and its self-signed certificate, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


class SamlIdp:
    """The IdP process; `accounts` maps a login to its email and groups."""

    def __init__(self, accounts: dict[str, dict], sp_entity_id: str, acs_url: str):
        self.folder = tempfile.TemporaryDirectory()
        env = {
            **os.environ,
            "ACCOUNTS": json.dumps(accounts),
            "SP_ENTITY_ID": sp_entity_id,
            "ACS_URL": acs_url,
        }
        for prefix, name in (("", "idp"), ("OTHER_", "impostor")):
            key, cert = key_and_certificate(name)
            for kind, pem in (("KEY", key), ("CERT", cert)):
                path = Path(self.folder.name) / f"{prefix}{kind}.pem".lower()
                path.write_text(pem)
                env[f"{prefix}{kind}_FILE"] = str(path)
        self.certificate = Path(env["CERT_FILE"]).read_text()
        self.port = free_port()
        env["PORT"] = str(self.port)
        self.base = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base}/metadata"
        self.sso_url = f"{self.base}/sso"
        self.process = subprocess.Popen(
            [sys.executable, str(IDP_SCRIPT)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening"):
            error = self.process.stderr.read()[-2000:]
            self.stop()
            raise RuntimeError(f"the SAML IdP did not start: {line!r} {error}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.folder.cleanup()

    def metadata(self) -> bytes:
        return requests.get(self.entity_id, timeout=10).content

    def answer(self, redirect_url: str, login: str, variant: str = "") -> dict:
        """What the IdP's page would post back to the service provider for `login`, after
        its AuthnRequest in `redirect_url` (HTTP-Redirect binding)."""
        assert redirect_url.startswith(self.sso_url), redirect_url
        response = requests.get(
            redirect_url, params={"user": login, "variant": variant}, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()
