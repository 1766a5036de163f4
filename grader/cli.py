"""``python -m grader``: grade files, list problems, benchmark the sandbox pool, and run
the secret-free grading service."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.engine.problems import UnknownProblem, get_problem, list_problems

EXIT_OK, EXIT_USAGE = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, exit 2
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _usage_error(message: str) -> int:
    print(f"grader: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _cmd_problems(args: argparse.Namespace) -> int:
    for problem in list_problems():
        if args.json:
            print(json.dumps(problem.summary()))
        else:
            print(f"{problem.slug:<20} {problem.level:<7} {problem.title}")
    return EXIT_OK


def _cmd_grade(args: argparse.Namespace) -> int:
    from grader.engine import grade_submission
    from grader.engine.sandbox import get_pool

    try:
        get_problem(args.problem)
    except UnknownProblem as exc:
        return _usage_error(str(exc))
    sources = []
    for name in args.files:
        try:
            sources.append((name, Path(name).read_bytes()))
        except OSError as exc:
            return _usage_error(f"cannot read {name}: {exc.strerror}")
    pool = get_pool()

    def grade(item: tuple[str, bytes]) -> dict:
        name, source = item
        report = grade_submission(args.problem, source, public_only=args.public_only, pool=pool)
        return {"file": name, **report.to_dict()}

    with ThreadPoolExecutor(max_workers=pool.config.pool_size) as executor:
        for result in executor.map(grade, sources):
            if args.json:
                print(json.dumps(result), flush=True)
            else:
                _print_human(result)
    return EXIT_OK


def _print_human(result: dict) -> None:
    score = "-" if result["score"] is None else f"{result['score']:.2f}"
    print(f"{result['file']}: {result['verdict']} (score {score}, {result['elapsed_ms']} ms)")
    if result["message"]:
        print(f"  {result['message']}")
    failed = [c for c in result["checks"] if not c["passed"]]
    for check in failed[:10]:
        print(f"  FAIL {check['name']}: {check['message']}")
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more failed checks")
    diagnosis = result["diagnosis"]
    if result["verdict"] == "wrong_answer":
        title = diagnosis.get("title") or ""
        print(f"  diagnosis: {title + ': ' if title else ''}{diagnosis['explanation']}")
    _print_smallest_case(result.get("smallest_failing_case"))


def _compact(value, limit: int = 200) -> str:
    """A value on one line, cut at `limit` characters (a shrunk case is small, not always tiny)."""
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _print_smallest_case(case: dict | None) -> None:
    if not case:
        return
    hidden = " (from a hidden case: not shown to candidates)" if case["reviewer_only"] else ""
    what = "smallest failing case" if case.get("shrunk", True) else "a failing case (none smaller)"
    print(f"  {what}{hidden}:")
    for call in case["calls"]:
        print(f"    {call}")
    for name, array in case["inputs"].items():
        print(f"    {name} {array['dtype']}{tuple(array['shape'])} = {_compact(array['values'])}")
    for output in case["outputs"]:
        if output["passed"]:
            continue
        print(f"    {output['name']}: got {_compact(output['got'])}")
        print(f"    {' ' * len(output['name'])}  expected {_compact(output['expected'])}")
    if case.get("error"):
        print(f"    error: {case['error']}")


def _cmd_bench(args: argparse.Namespace) -> int:
    from grader.bench import run_bench

    run_bench(submissions=args.submissions, concurrency=args.concurrency, light=args.light)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from grader.engine.sandbox.service import serve

    try:
        serve(args.socket)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from grader.engine.config import load_config
    from grader.engine.sandbox import privileged, resource_limits, sandbox_problem

    problem = sandbox_problem(load_config())
    if problem:
        print(f"cannot sandbox submissions: {problem}")
        return 1
    mode = "root: a host uid per job" if privileged() else "unprivileged user namespaces"
    print(f"sandbox ready ({mode}; limits: {resource_limits()})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    grade = sub.add_parser("grade", help="grade candidate files against a problem")
    grade.add_argument("--problem", required=True, help="problem slug (see `problems`)")
    grade.add_argument("--json", action="store_true", help="one JSON object per file")
    grade.add_argument("--public-only", action="store_true", help="run only the sample tests")
    grade.add_argument("files", nargs="+", metavar="FILE")
    grade.set_defaults(handler=_cmd_grade)
    problems = sub.add_parser("problems", help="list the problems")
    problems.add_argument("--json", action="store_true")
    problems.set_defaults(handler=_cmd_problems)
    bench = sub.add_parser("bench", help="measure throughput and latency on bn-forward")
    bench.add_argument("--submissions", type=int, default=300)
    bench.add_argument("--concurrency", type=int, default=0, help="default: the pool size")
    bench.add_argument("--light", type=int, default=30, help="sequential runs for latency")
    bench.set_defaults(handler=_cmd_bench)
    serve = sub.add_parser(
        "serve", help="run the grading service (no secrets, no network) on a Unix socket"
    )
    serve.add_argument("--socket", required=True, help="path of the Unix socket to listen on")
    serve.set_defaults(handler=_cmd_serve)
    check = sub.add_parser("check", help="say whether this host can sandbox submissions")
    check.set_defaults(handler=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
