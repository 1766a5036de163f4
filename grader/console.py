"""What the console of a sample run shows the candidate (hiring test and practice alike):
what their code printed, the traceback of its first exception (their own file's frames
only; the sandbox strips the harness's), one line per case that raised, and stderr."""

from __future__ import annotations


def sample_run_console(report: dict) -> dict:
    raised = [
        f"{check['name']}: {check['message']}"
        for check in report.get("checks", [])
        if str(check.get("message", "")).startswith("raised")
    ]
    console = {
        "stdout": report.get("stdout", ""),
        "stderr": report.get("stderr", ""),
        "traceback": report.get("traceback", ""),
        "raised": raised,
    }
    console["shown"] = any(console.values())
    return console
