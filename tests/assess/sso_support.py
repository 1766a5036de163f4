"""A real OpenID Connect provider (panva/oidc-provider under node, tests/sso_idp/) on
loopback, and a person signing in through it: the provider's own sign-in and consent
pages, then back to our callback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import requests

IDP_DIR = Path(__file__).resolve().parents[1] / "sso_idp"
CLIENT_ID, CLIENT_SECRET = "normassess", "idp-client-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """The node process; `accounts` maps a login to its email and groups."""

    def __init__(self, redirect_uri: str, accounts: dict[str, dict]):
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
