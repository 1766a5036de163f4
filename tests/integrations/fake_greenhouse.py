"""A fake Greenhouse on loopback, speaking the Assessment Partner API as documented
(grnhse/greenhouse-api-docs, source/includes/assessment/): it calls the partner's
`list_tests`, `send_test` and `test_status` with HTTP Basic (the key as the user name, an
empty password), and hosts the take-home-test URL it hands out in `send_test`, which the
partner PATCHes when a test is complete; Greenhouse then asks `test_status`, as the docs
say. Faults are injected per PATCH: a status (with headers) or a delay past our timeout.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request

from .loopback import LoopbackServer, QuietHandler

PATCH_PATH = "/integrations/testing_partners/take_home_tests/"


class FakeGreenhouse(LoopbackServer):
    def __init__(self, partner_base: str, key: str):
        self.partner_base = partner_base.rstrip("/") + "/integrations/greenhouse/"
        self.key = key
        # Answers to the next PATCHes: (status, headers, delay in seconds); then 200.
        self.script: list[tuple[int, dict, float]] = []
        self.patches: list[tuple[str, str]] = []  # (path, Authorization header)
        self.results: list[dict] = []  # what test_status said after each PATCH
        fake = self

        class Handler(QuietHandler):
            def do_PATCH(self):
                fake.patches.append((self.path, self.headers.get("Authorization", "")))
                status, headers, delay = fake.script.pop(0) if fake.script else (200, {}, 0)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 200 and self.path.startswith(PATCH_PATH):
                    # "Upon this, Greenhouse will send a request to your Test Status endpoint."
                    test_id = self.path.rsplit("/", 1)[-1]
                    pid = fake.interviews.get(test_id)
                    if pid:
                        threading.Thread(target=fake._poll_after_patch, args=(pid,)).start()

        self.interviews: dict[str, str] = {}  # take-home test id -> partner_interview_id
        self.serve(Handler)

    # --- Greenhouse calling the partner ----------------------------------------------------

    def auth_header(self, key: str | None = None) -> str:
        raw = f"{self.key if key is None else key}:".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def call(
        self, method: str, call: str, body: bytes | None = None, *, headers=None, query=""
    ) -> tuple[int, object]:
        request = urllib.request.Request(
            self.partner_base + call + (f"?{query}" if query else ""),
            data=body,
            method=method,
            headers={"Authorization": self.auth_header(), "Content-Type": "application/json"}
            | (headers or {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, raw

    def list_tests(self):
        return self.call("GET", "list_tests")

    def send_test(
        self, test_id: str, *, email: str, application_id: int, take_home_id: str, **candidate
    ):
        body = {
            "partner_test_id": test_id,
            "candidate": {
                "first_name": candidate.get("first_name", "Kate"),
                "last_name": candidate.get("last_name", "Austen"),
                "resume_url": None,
                "phone_number": "123-456-7890",
                "email": email,
                "greenhouse_profile_url": (
                    f"https://app.greenhouse.io/people/5345178?application_id={application_id}"
                ),
            },
            "url": self.base + PATCH_PATH + take_home_id,
        }
        status, answer = self.call("POST", "send_test", json.dumps(body).encode())
        if status == 200:
            self.interviews[take_home_id] = answer["partner_interview_id"]
        return status, answer

    def test_status(self, partner_interview_id: str):
        return self.call("GET", "test_status", query=f"partner_interview_id={partner_interview_id}")

    def _poll_after_patch(self, pid: str) -> None:
        status, body = self.test_status(pid)
        self.results.append({"http": status, **(body if isinstance(body, dict) else {})})

    def wait_for_results(self, count: int, timeout: float = 10.0) -> list[dict]:
        end = time.monotonic() + timeout
        while len(self.results) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.results
