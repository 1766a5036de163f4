"""Submissions and solutions the GPU tests share."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from assess.attempts.services import answer_save, attempt_start
from grader.models import Submission
from quizzes.models import Kind
from tests.assess import factories

# Correct with torch tensor operations on any device.
GOOD_BN_CUDA = """import torch


def batchnorm_forward_cuda(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    dims = [0] + list(range(2, x.dim()))
    n = x.numel() // x.shape[1]
    if n == 1:
        raise ValueError("need more than one value per channel")
    mean = x.mean(dim=dims)
    var = x.var(dim=dims, unbiased=False)
    shape = [1, -1] + [1] * (x.dim() - 2)
    out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + eps) * gamma.view(shape) + beta.view(shape)
    return out, (1 - momentum) * running_mean + momentum * mean, \\
        (1 - momentum) * running_var + momentum * var * n / (n - 1)
"""
# The fused inference op written with torch (a fake GPU worker runs it on CPU tensors).
GOOD_BN_RELU = """import torch


def bn_relu_inference(x, weight, bias, running_mean, running_var, eps=1e-5):
    scale = weight / torch.sqrt(running_var + eps)
    shift = bias - running_mean * scale
    shape = [1, -1] + [1] * (x.dim() - 2)
    return torch.relu(x * scale.view(shape) + shift.view(shape))
"""


def make_submission(
    problem: str, source: str, *, answer=None, public_only: bool = False
) -> Submission:
    """A stored submission for ``problem`` (on a coding answer of a started attempt)."""
    if answer is None:
        bank = factories.make_bank("coding")
        assessment = factories.make_assessment(
            factories.make_org(f"org{Submission.objects.count()}"), [bank["coding"]], pass_mark=50
        )
        inv, _ = factories.make_invitation(assessment)
        attempt = attempt_start(inv)
        answer = next(a for a in attempt.answers.all() if a.kind == Kind.CODING)
        answer_save(attempt, answer.position, source, 0)
    return Submission.objects.create(
        answer=answer, problem=problem, source=source, public_only=public_only
    )


EXPLOITS = Path(__file__).parent / "submissions" / "gpu_exploits"
# The harness's rules do not depend on the size; a small one keeps CPU runs fast.
SMALL_TRAIN_SPEC = {"kind": "batch_norm_train", "shape": [4, 8, 6, 6], "dtype": "float32"}
SMALL_RELU_SPEC = {"kind": "batch_norm_relu_eval", "shape": [4, 8, 6, 6], "dtype": "float32"}


def exploit(name: str) -> str:
    return (EXPLOITS / f"{name}.py").read_text()


class _FakeEvent:
    at: float | None = None


class FakeDevice:
    """A CPU stand-in for the card, for ``gpu_timing.TimingHarness``: events read a clock
    captured at construction, and "the device" is every thread of the process, so work
    left running on a thread plays the part of a side stream."""

    tensor_device = "cpu"

    def __init__(self, check_delay_s: float = 0.0) -> None:
        self._clock = time.perf_counter
        self._baseline = set(threading.enumerate())
        self.flushes = 0
        # Extra time each synchronize takes once set (the device "still busy" in the check).
        self.delay_s = check_delay_s

    def watched(self) -> list:
        import torch

        return [
            (time, "perf_counter"),
            (torch.cuda, "Event"),
            (torch.cuda.Event, "record"),
            (torch.cuda.Event, "elapsed_time"),
        ]

    def clock(self) -> float:
        return self._clock()

    def event(self) -> _FakeEvent:
        return _FakeEvent()

    def record(self, event: _FakeEvent) -> None:
        event.at = self._clock()

    def wait(self, event: _FakeEvent) -> None:
        pass

    def elapsed_ms(self, start: _FakeEvent, end: _FakeEvent) -> float:
        return (end.at - start.at) * 1000

    def _join(self) -> None:
        for thread in set(threading.enumerate()) - self._baseline:
            thread.join(timeout=10)

    def synchronize(self) -> None:
        self._join()
        time.sleep(self.delay_s)

    def pending_ms(self) -> float:
        start = self._clock()
        self._join()
        return (self._clock() - start) * 1000

    def flush_l2(self) -> None:
        self.flushes += 1

    def check_stream(self, run: str) -> None:
        pass


def time_in_child(
    source: str | None,
    spec: dict = SMALL_TRAIN_SPEC,
    *,
    function: str = "batchnorm_forward_cuda",
    warmup: int = 2,
    runs: int = 5,
    check_delay_s: float = 0.0,
) -> dict:
    """Build the harness, then load ``source`` and time it, in a forked child (the
    exploits patch the process they run in): ``{"reference_ms", "candidate_ms",
    "flushes"}`` or ``{"rejected": reason, "message"}``."""
    from grader.engine import gpu_timing

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            import torch

            os.close(read)
            torch.set_num_threads(1)  # as in the sandbox; a forked intra-op pool only spins
            device = FakeDevice()
            harness = gpu_timing.TimingHarness(spec, device, warmup=warmup, runs=runs)
            result = {"reference_ms": harness.time()}
            if source is not None:
                namespace = {"__name__": "submission"}
                exec(compile(source, "submission.py", "exec"), namespace)
                device.delay_s = check_delay_s
                try:
                    result["candidate_ms"] = harness.time(namespace[function])
                except gpu_timing.TimingRejected as exc:
                    result = {"rejected": exc.reason, "message": str(exc)}
            result["flushes"] = device.flushes
        except BaseException as exc:  # noqa: B036 - reported to the test
            result = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)
