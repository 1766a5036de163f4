"""A fake Lever on loopback, speaking what Lever's developer documentation describes:

- OAuth (hire.lever.co/developer/oauth): `GET /authorize` redirects to the partner's
  redirect URI with a one-time `code` and the `state`; `POST /oauth/token` (form-encoded)
  exchanges a code or a refresh token for an access token (`expires_in` 3600) and a new
  refresh token (the old one stops working: rotation).
- The API under `/v1` with `Authorization: Bearer`: `GET /opportunities/:id`
  (`{"data": {id, name, emails, ...}}`), `GET /opportunities`, `GET .../notes`
  (`{"data": [{id, fields: [{type, text, value}]}]}`), `GET .../files`,
  `POST /opportunities/:id/notes?perform_as=` (`{"value": ...}` -> 201
  `{"data": {"noteId": ...}}`) and `POST .../files?perform_as=` (multipart, one part
  named `file`). An unknown or expired token is a 401.
- The webhook driver: `deliver(event, data)` POSTs `{triggeredAt, event, signature, token,
  data}` to the partner, signed as Lever signs (hex HMAC-SHA256 of token + triggeredAt).

Faults: `script` holds (path prefix, status, headers, delay) entries, each used once by
the first request whose path starts with the prefix: that status (200: a normal answer
after the delay; 0: the request is handled but the connection closes with no answer).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from email.parser import BytesParser
from email.policy import default
from urllib.parse import parse_qs, urlencode, urlsplit

from .loopback import LoopbackServer, QuietHandler

CLIENT_ID = "fake-lever-client"
CLIENT_SECRET = "fake-lever-client-secret-42"


class FakeLever(LoopbackServer):
    def __init__(self, *, opportunities: dict | None = None):
        self.opportunities = opportunities or {}
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.access: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.refresh: set[str] = set()
        self.script: list[tuple[str, int, dict, float]] = []
        self.notes: list[dict] = []  # {"opportunity", "perform_as", "value"} accepted
        self.files: list[dict] = []  # {"opportunity", "name", "type", "content"} uploaded
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status answered)
        self.lock = threading.Lock()
        fake = self

        class Handler(QuietHandler):
            def _answer(self, status: int, body: dict | None, headers: dict | None = None):
                if getattr(self, "drop", False):
                    self.close_connection = True
                    with fake.lock:
                        fake.calls.append((self.command, self.path.split("?")[0], 0))
                    return
                if getattr(self, "fails_after", None):
                    # Handled, then answered with an error (a proxy's 502, a crash after
                    # the commit): the caller cannot tell it from a request not handled.
                    status, body = self.fails_after, {"code": "Fault", "message": "injected"}
                raw = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                with fake.lock:
                    fake.calls.append((self.command, self.path.split("?")[0], status))

            def _fault(self) -> bool:
                with fake.lock:
                    entry = next((e for e in fake.script if self.path.startswith(e[0])), None)
                    if entry:
                        fake.script.remove(entry)
                if entry is None:
                    return False
                _, status, headers, delay = entry
                time.sleep(delay)
                if status == 200:
                    return False  # a slow but otherwise normal answer
                if status == 0:
                    self.drop = True  # handled, but the answer is lost on the way
                    return False
                if status < 0:
                    self.fails_after = -status  # handled, but answered with this error
                    return False
                self._answer(status, {"code": "Fault", "message": "injected"}, headers)
                return True

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == "/authorize":
                    return self._authorize(parse_qs(parts.query))
                if self._fault() or not self._authorized():
                    return None
                if parts.path == "/v1/opportunities":
                    return self._answer(200, {"data": list(fake.opportunities.values())[:1]})
                if parts.path.endswith("/files"):
                    wanted = parts.path.removeprefix("/v1/opportunities/").removesuffix("/files")
                    files = [
                        {"id": str(i), "name": f["name"]}
                        for i, f in enumerate(fake.files)
                        if f["opportunity"] == wanted
                    ]
                    return self._answer(200, {"data": files, "hasNext": False})
                if parts.path.endswith("/notes"):
                    wanted = parts.path.removeprefix("/v1/opportunities/").removesuffix("/notes")
                    notes = [
                        {"id": str(i), "fields": [{"type": "note", "text": "", "value": v}]}
                        for i, v in enumerate(fake.notes_for(wanted))
                    ]
                    return self._answer(200, {"data": notes, "hasNext": False})
                opportunity = fake.opportunities.get(parts.path.removeprefix("/v1/opportunities/"))
                if not parts.path.startswith("/v1/opportunities/") or opportunity is None:
                    return self._answer(404, {"code": "ResourceNotFound", "message": "no"})
                return self._answer(200, {"data": opportunity})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                if self._fault():
                    return None
                if parts.path == "/oauth/token":
                    return self._token(parse_qs(body.decode()))
                if not self._authorized():
                    return None
                opportunity, _, kind = parts.path.removeprefix("/v1/opportunities/").partition("/")
                perform_as = parse_qs(parts.query).get("perform_as", [""])[0]
                if kind not in ("notes", "files") or opportunity not in fake.opportunities:
                    return self._answer(404, {"code": "ResourceNotFound", "message": "no"})
                if not perform_as:
                    return self._answer(400, {"code": "BadRequest", "message": "perform_as"})
                if kind == "files":
                    return self._file(opportunity, body)
                note = json.loads(body)
                with fake.lock:
                    fake.notes.append({"opportunity": opportunity, "perform_as": perform_as} | note)
                return self._answer(201, {"data": {"noteId": secrets.token_hex(8)}})

            def _file(self, opportunity: str, body: bytes):
                """A multipart upload with one part named `file`."""
                head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n"
                message = BytesParser(policy=default).parsebytes(head.encode() + body)
                parts = [
                    p
                    for p in message.iter_parts()
                    if p.get_param("name", header="content-disposition") == "file"
                ]
                if len(parts) != 1:
                    return self._answer(400, {"code": "BadRequest", "message": "file"})
                upload = {
                    "opportunity": opportunity,
                    "name": parts[0].get_filename(),
                    "type": parts[0].get_content_type(),
                    "content": parts[0].get_payload(decode=True),
                }
                with fake.lock:
                    fake.files.append(upload)
                return self._answer(
                    200, {"data": {"id": secrets.token_hex(8), "name": upload["name"]}}
                )

            def _authorized(self) -> bool:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if fake.access.get(token, 0) > time.time():
                    return True
                self._answer(401, {"code": "Unauthorized", "message": "invalid token"})
                return False

            def _authorize(self, query):
                one = {k: v[0] for k, v in query.items()}
                if one.get("client_id") != CLIENT_ID or one.get("response_type") != "code":
                    return self._answer(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(12)
                fake.codes[code] = one["redirect_uri"]
                target = (
                    one["redirect_uri"] + "?" + urlencode({"code": code, "state": one["state"]})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _token(self, form):
                one = {k: v[0] for k, v in form.items()}
                if (one.get("client_id"), one.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                    return self._answer(401, {"error": "invalid_client"})
                with fake.lock:
                    if one.get("grant_type") == "authorization_code":
                        ok = fake.codes.pop(one.get("code", ""), None) == one.get("redirect_uri")
                    elif one.get("grant_type") == "refresh_token":
                        ok = one.get("refresh_token") in fake.refresh
                        fake.refresh.discard(one.get("refresh_token"))
                    else:
                        ok = False
                    if not ok:
                        return self._answer(400, {"error": "invalid_grant"})
                    access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
                    fake.access[access] = time.time() + 3600
                    fake.refresh.add(refresh)
                return self._answer(
                    200,
                    {
                        "access_token": access,
                        "refresh_token": refresh,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": "offline_access opportunities:read:admin notes:write:admin",
                    },
                )

        self.serve(Handler)

    def grant(self, redirect_uri: str) -> str:
        """A code, as the admin's consent on `/authorize` would give the partner."""
        code = secrets.token_urlsafe(12)
        self.codes[code] = redirect_uri
        return code

    def expire_access_tokens(self):
        """Lever's hour has passed: every access token is refused (refresh tokens stand)."""
        with self.lock:
            self.access = dict.fromkeys(self.access, 0.0)

    def notes_for(self, opportunity: str) -> list[str]:
        return [n["value"] for n in self.notes if n["opportunity"] == opportunity]

    # --- Lever's webhooks ---------------------------------------------------------------

    @staticmethod
    def signed(event: str, data: dict, signature_token: str, *, triggered_at=None, token=None):
        token = token or secrets.token_hex(16)
        triggered_at = triggered_at if triggered_at is not None else int(time.time() * 1000)
        signature = hmac.new(
            signature_token.encode(), f"{token}{triggered_at}".encode(), hashlib.sha256
        ).hexdigest()
        return {
            "triggeredAt": triggered_at,
            "event": event,
            "signature": signature,
            "token": token,
            "data": data,
        }

    @staticmethod
    def post(url: str, body) -> tuple[int, dict]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=raw, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def opportunity(opportunity_id: str, *, name: str, email: str) -> dict:
    """An opportunity as `GET /opportunities/:id` shows it (the fields we read and a few
    beside them)."""
    return {
        "id": opportunity_id,
        "name": name,
        "contact": "contact-" + opportunity_id,
        "headline": "Data scientist",
        "emails": [email],
        "phones": [],
        "stage": "stage-screen",
        "archived": None,
        "createdAt": 1_700_000_000_000,
    }
