"""A fake Ashby on loopback. It calls the partner's `assessment.list`, `assessment.start`
and `assessment.cancel` (POST, JSON, HTTP Basic with the partner's key as the user name)
and hosts `assessment.update`, recording what the partner reports, with faults injected
per call: a status (with headers) or a delay past our timeout."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

from .loopback import LoopbackServer, QuietHandler


class FakeAshby(LoopbackServer):
    def __init__(self, partner_base: str, key: str, api_key: str):
        self.partner_base = partner_base.rstrip("/") + "/integrations/ashby/"
        self.key = key  # the partner's key, which Ashby sends
        self.api_key = api_key  # Ashby's own key, which the partner sends
        self.script: list[tuple[int, dict, float]] = []
        self.calls: list[tuple[str, str]] = []  # (path, Authorization) of every call
        self.updates: list[dict] = []  # the bodies Ashby accepted
        fake = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.calls.append((self.path, self.headers.get("Authorization", "")))
                status, headers, delay = fake.script.pop(0) if fake.script else (200, {}, 0)
                time.sleep(delay)
                authorized = self.headers.get("Authorization") == fake.basic(fake.api_key)
                if status == 200 and not authorized:
                    status = 401
                if status == 200 and self.path == "/assessment.update":
                    fake.updates.append(json.loads(body))
                answer = json.dumps({"success": status == 200}).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.serve(Handler)

    @staticmethod
    def basic(key: str) -> str:
        return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")

    def call(self, name: str, body) -> tuple[int, dict]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.partner_base + name,
            data=raw,
            method="POST",
            headers={"Authorization": self.basic(self.key), "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def start(self, type_id: str, *, email: str, application_id: str = "app-1"):
        return self.call(
            "assessment.start",
            {
                "assessment_type_id": type_id,
                "candidate": {
                    "ashby_id": "cand-1",
                    "first_name": "Grace",
                    "last_name": "Hopper",
                    "email": email,
                    "ashby_profile_url": "https://app.ashbyhq.com/candidates/cand-1",
                },
                "application": {"ashby_id": application_id, "status": "Active"},
                "job": {"ashby_id": "job-1", "name": "ML engineer"},
            },
        )
