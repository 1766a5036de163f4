"""Simulated candidates: open the link, start, autosave every few seconds across the
questions, save code, submit, see the end page. Run through `assess/bench/run.sh`.

The questions' numbers come by kind from prepare.py (BENCH_KINDS), never by position:
a change of order in the bank or the attempt cannot send code to a choice question.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task
from locust.exception import StopUser

TOKENS = [t.strip() for t in open(os.environ["BENCH_TOKENS"]) if t.strip()]
_next = itertools.count()
NUMBER = json.load(open(os.environ["BENCH_KINDS"]))  # {kind: page number}
CODING, MULTIPLE, NUMERIC = NUMBER["coding"], NUMBER["multiple_choice"], NUMBER["numeric"]
SINGLE, WRITTEN = NUMBER["single_choice"], NUMBER["written"]
SAVES_BEFORE_SUBMIT = int(os.environ.get("BENCH_SAVES", "15"))
# The grader's own accepted layer-norm solution (the test suite's one correct answer).
CODE = open(
    os.path.join(
        os.path.dirname(__file__),
        "..",
        "..",
        "tests",
        "grader",
        "submissions",
        "correct",
        "layernorm_forward.py",
    )
).read()


class Candidate(HttpUser):
    wait_time = between(2, 4)

    def on_start(self):
        self.token = TOKENS[next(_next) % len(TOKENS)]
        self.base = f"/t/{self.token}"
        landing = self.client.get(f"{self.base}/", name="page: landing")
        # The CSRF cookie is Secure when DJANGO_DEBUG=0; over plain loopback HTTP the
        # client must send it back by hand.
        self.csrf = landing.cookies.get("csrftoken") or re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', landing.text
        ).group(1)
        self.headers = {
            "X-CSRFToken": self.csrf,
            "Cookie": f"csrftoken={self.csrf}",
            "Referer": f"{self.host}{self.base}/",
        }
        # The privacy notice, confirmed as the candidate's tick does.
        notice = re.search(r'name="notice_version" value="(\d+)"', landing.text)[1]
        self.client.post(
            f"{self.base}/start/",
            headers=self.headers,
            name="page: start",
            data={
                "csrfmiddlewaretoken": self.csrf,
                "notice_confirmed": "yes",
                "notice_version": notice,
            },
        )
        self.revisions = {n: 0 for n in NUMBER.values()}
        self.saves = 0
        # Choices post the page's per-attempt opaque values, as a browser does.
        self.choices = {
            n: re.findall(
                r'name="choice"\s+value="([^"]+)"',
                self.client.get(f"{self.base}/q/{n}/", name="page: question").text,
            )
            for n in (MULTIPLE, SINGLE)
        }

    def save(self, number, response):
        with self.client.post(
            f"{self.base}/q/{number}/save/",
            name="autosave",
            data=json.dumps({"response": response, "revision": self.revisions[number]}),
            headers={**self.headers, "Content-Type": "application/json"},
            catch_response=True,
        ) as r:
            if r.status_code in (200, 409) and "revision" in r.json():
                self.revisions[number] = r.json()["revision"]
                r.success()

    @task
    def work(self):
        number = random.choice((MULTIPLE, NUMERIC, SINGLE, WRITTEN))
        if random.random() < 0.3:
            self.client.get(f"{self.base}/q/{number}/", name="page: question")
        if number in (MULTIPLE, SINGLE):
            picked = random.choice(self.choices[number])
            self.save(number, [picked] if number == MULTIPLE else picked)
        elif number == NUMERIC:
            self.save(number, f"{random.uniform(-2, 2):.3f}")
        else:
            self.save(number, "Tiny batches give noisy statistics " * random.randint(1, 3))
        self.saves += 1
        if self.saves >= SAVES_BEFORE_SUBMIT:
            self.save(CODING, CODE)
            self.client.post(
                f"{self.base}/submit/",
                headers=self.headers,
                name="submit",
                data={"csrfmiddlewaretoken": self.csrf},
            )
            self.client.get(f"{self.base}/done/", name="page: done")
            raise StopUser()
