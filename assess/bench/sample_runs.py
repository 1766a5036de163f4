"""How long "Run sample tests" takes as the candidate sees it: from the click (the POST)
to the page holding the result, polling the way the page polls (the fragment's own delay),
against gunicorn, a Celery worker and Redis. The baseline, measured in the same run: the
grading engine alone on the same code (no web, broker or worker).

Run through `sh assess/bench/sample_runs.sh` (it starts the servers); prints one table.
"""

import argparse
import os
import re
import statistics
import time


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _prepare() -> str:
    from assess.hiring.invitations import invitation_create
    from assess.models import Assessment, Organization, Section
    from tests.assess.factories import make_question

    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    assessment = Assessment.objects.create(
        organization=org, title="Sample-run benchmark", time_limit_minutes=120
    )
    section = Section.objects.create(assessment=assessment, title="Code")
    section.questions.set([make_question("coding")])
    _, token = invitation_create(
        assessment, candidate_name="Bench Candidate", candidate_email="bench@bench.example"
    )
    return token


def _click_to_result(http, base: str, token: str, csrf: str, source: str) -> float:
    started = time.perf_counter()
    answer = http.post(
        f"{base}/t/{token}/q/1/run/", data={"source": source}, headers={"X-CSRFToken": csrf}
    )
    answer.raise_for_status()
    html = answer.text
    while "run-report" not in html:
        poll = re.search(r'hx-get="([^"]+)" hx-trigger="load delay:(\d+)ms[^"]*"', html)
        if poll is None:
            raise RuntimeError(f"unexpected fragment: {html[:300]}")
        time.sleep(int(poll.group(2)) / 1000)
        html = http.get(base + poll.group(1)).text
    if "all passed" not in html:
        raise RuntimeError(f"the benchmark's correct code did not pass: {html[:300]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8766")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assess.settings")
    import django

    django.setup()
    import requests

    from grader.engine.grading import grade_submission
    from tests.assess.factories import GOOD_LAYERNORM

    token = _prepare()
    http = requests.Session()
    landing = http.get(f"{args.base}/t/{token}/")
    landing.raise_for_status()
    # The servers run with DJANGO_DEBUG=0, so the cookies are Secure, which requests will
    # not send back over plain loopback HTTP: send them by hand.
    cookie = landing.cookies.get("csrftoken")
    http.headers["Cookie"] = f"csrftoken={cookie}"
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', landing.text).group(1)
    notice = re.search(r'name="notice_version" value="(\d+)"', landing.text)[1]
    start = http.post(
        f"{args.base}/t/{token}/start/",
        # The privacy notice, confirmed as the candidate's tick does.
        data={"csrfmiddlewaretoken": csrf, "notice_confirmed": "yes", "notice_version": notice},
        allow_redirects=False,
    )
    start.raise_for_status()

    _click_to_result(http, args.base, token, csrf, GOOD_LAYERNORM)  # warm worker and pool
    engine, page_seen = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        report = grade_submission("layernorm-forward", GOOD_LAYERNORM, public_only=True)
        engine.append(time.perf_counter() - started)
        assert report.verdict == "accepted", report.verdict
        page_seen.append(_click_to_result(http, args.base, token, csrf, GOOD_LAYERNORM))

    print(f"sample runs of layernorm-forward, {args.runs} each, seconds")
    print(f"{'measure':<44} {'p50':>6} {'p95':>6} {'max':>6}")
    for name, values in (
        ("engine alone (baseline)", engine),
        ("click to result on the page (Redis broker)", page_seen),
    ):
        print(
            f"{name:<44} {statistics.median(values):6.3f} {_percentile(values, 0.95):6.3f}"
            f" {max(values):6.3f}"
        )


if __name__ == "__main__":
    main()
