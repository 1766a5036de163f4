"""A real OpenID Connect provider (panva/oidc-provider under node, tests/sso_idp/) on
loopback, and a person signing in through it: the provider's own sign-in and consent
pages, then back to our callback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.conftest import missing_service

IDP_DIR = Path(__file__).resolve().parents[1] / "sso_idp"
CLIENT_ID, CLIENT_SECRET = "normassess", "idp-client-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """The node process; `accounts` maps a login to its email and groups."""

    def __init__(self, redirect_uri: str, accounts: dict[str, dict]):
        if (
            shutil.which("node") is None
            or not (IDP_DIR / "node_modules" / "oidc-provider").exists()
        ):
            missing_service("the test identity provider needs node and `npm ci` in tests/sso_idp")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": redirect_uri,
            "ACCOUNTS": json.dumps(accounts),
        }
        self.process = subprocess.Popen(
            ["node", "oidc_idp.mjs"],
            cwd=IDP_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening"):
            self.stop()
            raise RuntimeError(f"the OIDC provider did not start: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def sign_in(self, authorize_url: str, login: str) -> str:
        """Goes through the provider's sign-in and consent pages as `login`; returns the
        URL the provider sends the browser back to (our callback, with code and state)."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(12):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = requests.compat.urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer):
                    return url
                continue
            # An interaction page: the sign-in form, then the consent form.
            form = {"prompt": "consent"}
            if 'name="login"' in response.text:
                form = {"prompt": "login", "login": login, "password": "any"}
            posted = browser.post(url, data=form, allow_redirects=False, timeout=10)
            url = requests.compat.urljoin(url, posted.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise RuntimeError("the provider never sent the browser back")


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class ForgingTokenEndpoint:
    """A hostile man in the middle of the token exchange, on loopback: it serves the real
    provider's discovery document with its own token endpoint and keys, forwards the code
    to the real provider, and hands back the id token with one claim changed (`forge`:
    claim -> value), signed with its own key. Our side must refuse what it changed."""

    def __init__(self, real_issuer: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.real_issuer, self.forge = real_issuer, {}
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwks = {"keys": [{**public, "kid": "forger", "alg": "RS256", "use": "sig"}]}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: dict, status: int = 200):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                if self.path.startswith("/.well-known/openid-configuration"):
                    real = requests.get(
                        f"{proxy.real_issuer}/.well-known/openid-configuration", timeout=10
                    ).json()
                    real["token_endpoint"] = f"{proxy.url}/token"
                    real["jwks_uri"] = f"{proxy.url}/jwks"
                    return self._answer(real)
                if self.path == "/jwks":
                    return self._answer(jwks)
                return self._answer({"error": "not_found"}, 404)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                real = requests.post(
                    f"{proxy.real_issuer}/token",
                    data=body,
                    headers={
                        "Authorization": self.headers.get("Authorization", ""),
                        "Content-Type": self.headers.get("Content-Type", ""),
                    },
                    timeout=10,
                )
                answer = real.json()
                if "id_token" in answer:
                    claims = jwt.decode(answer["id_token"], options={"verify_signature": False})
                    claims.update(proxy.forge)
                    answer["id_token"] = jwt.encode(
                        claims, key, algorithm="RS256", headers={"kid": "forger"}
                    )
                return self._answer(answer, real.status_code)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
