"""The in-sandbox timing harness: times a candidate's GPU code against the library.

Standalone on purpose: the sandbox's zygote loads this file by path (it imports nothing of
the project; torch only inside the functions that time), and this file loads what each
problem times (its inputs, the library's version, its contract's call) from
``gpu_timing_kinds.py`` beside it, by path too. The score made of its times is in
``gpu_speed.py``, the card's temperature and clocks in ``gpu_telemetry.py``; both run
outside the sandbox.
The harness (``TimingHarness``) assumes the candidate's code is hostile and shares its
process, so nothing it reports is believed on its own:

- the clock, the events, the L2 flush, the library's batch norm and every operation of
  the output check are bound when the harness is built, before the candidate's code is
  loaded, and a ``Guard`` checks around every timed call that none of them was replaced,
  that no torch function/dispatch mode, trace or profile hook was installed and that no
  thread was left running (a patched timer or a hook in the checker is caught, not used);
- every run, warm-up and timed, gets fresh random inputs (a new seed from the OS, new
  allocations), and the outputs of every timed run are compared with the library's
  result on those inputs right after the run: a replayed, batched, cached, lazy or
  unfinished result fails that comparison;
- the end event is recorded on the harness's stream; work still running anywhere on the
  device after it (a side stream) is caught by timing a device-wide synchronize;
- the check itself is timed against its cost on the library's outputs: work deferred
  into the untimed check is caught;
- the L2 is flushed (a buffer four times its size written) before every timed run, and
  ``speed_report`` rejects a bandwidth above the card's measured copy bandwidth (the
  roofline gate) and holds a speed-up over ``REVIEW_SPEEDUP`` for a reviewer.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence

WARMUP_RUNS = 5
TIMED_RUNS = 20
# Work still running on the device this long after the end event ran outside the timing.
PENDING_LIMIT_MS = 0.05
PENDING_FRACTION = 0.1
# Runs over a limit before the timing is refused, as a share of the runs (at least 2): a few
# can be the host descheduled (seen on a loaded 2-core VM: 8.5 ms checks against 0.1 ms, in
# 2 runs of 20); work on a side stream or deferred into the check shows in every run it
# helps, and the median a speed is judged by moves only when more than half the runs help.
STRIKE_SHARE, MIN_STRIKES = 0.25, 2
# The output check may take this many times its cost on the library's outputs (plus a
# fixed slack for scheduling noise) before it counts as running the candidate's work.
CHECK_SLOWDOWN = 4.0
CHECK_SLACK_S = 0.005


def _load_kinds():
    # By path, as the zygote loads this file: in the sandbox there is no package to import
    # from, only the two files bound side by side.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu_timing_kinds.py")
    spec = importlib.util.spec_from_file_location("gpu_timing_kinds", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kinds = _load_kinds()


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the mean of the middle two for an even count)."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("median of no values")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def bandwidth(bytes_moved: float, seconds: float) -> float:
    """Achieved bandwidth in bytes per second."""
    if not seconds > 0:
        raise ValueError(f"time must be positive, got {seconds}")
    return bytes_moved / seconds


# --------------------------------------------------------------------------- the harness


class TimingRejected(Exception):
    """A timed run broke a rule of the harness; ``reason`` says which (stable words)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class Guard:
    """What the candidate's code must leave alone, captured before it is loaded."""

    def __init__(self, watched: Sequence[tuple[object, str]]) -> None:
        import torch

        self._watched = [(holder, name, getattr(holder, name)) for holder, name in watched]
        self._function_modes = torch._C._len_torch_function_stack
        self._dispatch_modes = torch._C._len_torch_dispatch_stack
        self._gettrace, self._getprofile = sys.gettrace, sys.getprofile
        # A tracer already there (coverage, a debugger) is the grader's, not the candidate's.
        self._hooks = (sys.gettrace(), sys.getprofile())
        self._active_count = threading.active_count
        self._threads = threading.active_count()

    def accept_threads(self) -> None:
        self._threads = self._active_count()

    def verify(self, when: str, *, threads: bool = True) -> None:
        for holder, name, original in self._watched:
            if getattr(holder, name, None) is not original:
                owner = getattr(holder, "__name__", type(holder).__name__)
                raise TimingRejected(
                    "patched", f"{owner}.{name} was replaced ({when}): timing refused"
                )
        if self._function_modes() or self._dispatch_modes():
            raise TimingRejected("hooked", f"a torch function or dispatch mode is active ({when})")
        if (self._gettrace(), self._getprofile()) != self._hooks:
            raise TimingRejected("hooked", f"a trace or profile hook is installed ({when})")
        # Threads started during the warm-up (a compiler's worker pool on the first call)
        # are accepted once by ``accept_threads``; none may appear after it.
        if threads and self._active_count() > self._threads:
            raise TimingRejected(
                "background_thread",
                f"a thread is still running ({when}): all work must be done when the call returns",
            )


class TimingHarness:
    """Times the library and then the candidate on ``device`` by the rules in the module
    docstring. Build it before the candidate's code is loaded."""

    def __init__(
        self,
        spec: dict,
        device,
        *,
        warmup: int = WARMUP_RUNS,
        runs: int = TIMED_RUNS,
        seed: Callable[[], int] = lambda: int.from_bytes(os.urandom(8), "little"),
    ) -> None:
        import torch

        self.spec, self.device, self.warmup, self.runs = spec, device, warmup, runs
        self._seed = seed
        # What is timed (its inputs, the library's version, the contract's call), its torch
        # operations bound now, before the candidate's code is loaded; its methods too.
        kind = kinds.make(spec, torch)
        self._inputs, self._call, self._reference = kind.inputs, kind.call, kind.reference
        self._tensor = torch.Tensor
        self._clone, self._equal = torch.clone, torch.equal
        self._abs, self._sub, self._amax = torch.abs, torch.sub, torch.amax
        self._le, self._all = torch.le, torch.all
        self._randn, self._generator = torch.randn, torch.Generator
        self._dtype = getattr(torch, spec["dtype"])
        self._rtol, self._atol = (1e-4, 1e-5) if spec["dtype"] == "float32" else (1e-7, 1e-9)
        self.guard = Guard(list(device.watched()) + self._watched_ops(torch) + kind.watched(torch))
        self.template = self.fresh_inputs()
        self.check_cost_s = self._check_cost()

    @staticmethod
    def _watched_ops(torch) -> list:
        names = ("clone", "equal", "abs", "sub", "amax", "le", "all")
        # The tensor methods the check and the input generator reach through operators.
        methods = ("__float__", "__bool__", "__add__", "__mul__", "__radd__", "__rmul__", "item")
        return (
            [(torch, name) for name in names]
            + [(torch, "randn"), (torch, "Generator")]
            + [(torch.Tensor, name) for name in methods]
        )

    def fresh_inputs(self) -> dict:
        """New tensors with new values (a seed drawn now) of the timing shape."""
        where = self.device.tensor_device
        generator = self._generator(device=where).manual_seed(self._seed() & (2**63 - 1))

        def randn(*size):
            return self._randn(*size, generator=generator, device=where, dtype=self._dtype)

        return self._inputs(randn)

    def reference(self, *args):
        """The library's operation under the problem's contract (``gpu_timing_kinds``)."""
        return self._reference(*args)

    def _contract(self, fn: Callable, inputs: dict):
        """Call ``fn`` as the problem's contract does; its outputs as a tuple (or a string
        saying why they are not usable)."""
        return self._call(fn, inputs)

    def _check(self, outputs, pristine: dict, inputs: dict, run: str) -> None:
        if isinstance(outputs, str):
            raise TimingRejected("wrong_result", f"{run} {outputs}")
        for name in pristine:
            if not self._equal(inputs[name], pristine[name]):
                raise TimingRejected("modified_input", f"{run} modified its input {name}")
        expected = self._contract(self.reference, pristine)
        for index, (got, ref) in enumerate(zip(outputs, expected, strict=True)):
            if type(got) is not self._tensor:
                raise TimingRejected(
                    "lazy_result",
                    f"{run} returned a {type(got).__name__} as output {index}, not a "
                    "torch.Tensor: results must be finished tensors when the call returns",
                )
            if got.shape != ref.shape or got.dtype != ref.dtype or got.device != ref.device:
                raise TimingRejected(
                    "wrong_result", f"{run}: output {index} has the wrong shape, dtype or device"
                )
            bound = self._atol * max(1.0, float(self._amax(self._abs(ref)))) + self._rtol * (
                self._abs(ref)
            )
            if not bool(self._all(self._le(self._abs(self._sub(got, ref)), bound))):
                raise TimingRejected(
                    "wrong_result",
                    f"the output of {run} is wrong for its inputs: each call must compute "
                    "its own result before it returns (no replayed, batched or deferred work)",
                )

    def _check_cost(self) -> float:
        pristine = {k: self._clone(v) for k, v in self.template.items()}
        outputs = self._contract(self.reference, self.template)
        self.device.synchronize()
        costs = []
        for _ in range(3):
            start = self.device.clock()
            self._check(outputs, pristine, self.template, "the reference")
            self.device.synchronize()
            costs.append(self.device.clock() - start)
        return median(costs)

    def time(self, fn: Callable | None = None) -> list[float]:
        """Milliseconds of each timed run of ``fn`` (the library when ``None``); raises
        ``TimingRejected`` when a run breaks a rule."""
        fn = fn or self.reference
        device = self.device
        for index in range(self.warmup):
            inputs = self.fresh_inputs()
            pristine = {k: self._clone(v) for k, v in inputs.items()}
            outputs = self._contract(fn, inputs)
            device.synchronize()
            self.guard.verify(f"after warm-up run {index + 1}", threads=False)
            self._check(outputs, pristine, inputs, f"warm-up run {index + 1}")
        self.guard.accept_threads()
        times = []
        strikes = check_strikes = 0
        limit = max(MIN_STRIKES, math.ceil(STRIKE_SHARE * self.runs))
        for index in range(self.runs):
            run = f"timed run {index + 1}"
            inputs = self.fresh_inputs()
            pristine = {k: self._clone(v) for k, v in inputs.items()}
            device.flush_l2()
            device.synchronize()
            self.guard.verify(f"before {run}")
            start, end = device.event(), device.event()
            device.record(start)
            outputs = self._contract(fn, inputs)
            device.record(end)
            device.wait(end)
            elapsed_ms = device.elapsed_ms(start, end)
            pending_ms = device.pending_ms()
            strikes += pending_ms > PENDING_LIMIT_MS + PENDING_FRACTION * elapsed_ms
            if strikes >= limit:
                raise TimingRejected(
                    "side_stream",
                    f"{run} left {pending_ms:.3f} ms of work running after its end event: "
                    "all work must be on the stream being timed",
                )
            device.check_stream(run)
            self.guard.verify(f"after {run}")
            checked = device.clock()
            self._check(outputs, pristine, inputs, run)
            device.synchronize()
            check_s = device.clock() - checked
            check_strikes += check_s > CHECK_SLOWDOWN * self.check_cost_s + CHECK_SLACK_S
            if check_strikes >= limit:
                raise TimingRejected(
                    "deferred_work",
                    f"checking {run} took {check_s * 1000:.1f} ms, against "
                    f"{self.check_cost_s * 1000:.1f} ms for the library's outputs: work was "
                    "deferred into the untimed check",
                )
            self.guard.verify(f"after checking {run}")
            times.append(elapsed_ms)
        return times


class CudaDevice:
    """The real card: CUDA events on the current stream, captured at construction."""

    def __init__(self, device: str = "cuda") -> None:
        import torch

        self.tensor_device = device
        self._stream = torch.cuda.current_stream(device)
        self._current_stream = torch.cuda.current_stream
        self._event_class = torch.cuda.Event
        self._record = torch.cuda.Event.record
        self._wait = torch.cuda.Event.synchronize
        self._elapsed = torch.cuda.Event.elapsed_time
        self._synchronize = torch.cuda.synchronize
        self._clock = time.perf_counter
        self._flush = flush_buffer(device)
        self._zero = torch.Tensor.zero_

    def watched(self) -> list:
        import torch

        return [
            (torch.cuda, "Event"),
            (torch.cuda.Event, "record"),
            (torch.cuda.Event, "synchronize"),
            (torch.cuda.Event, "elapsed_time"),
            (torch.cuda, "synchronize"),
            (torch.cuda, "current_stream"),
            (torch.Tensor, "zero_"),
            (time, "perf_counter"),
        ]

    def clock(self) -> float:
        return self._clock()

    def event(self):
        return self._event_class(enable_timing=True)

    def record(self, event) -> None:
        self._record(event, self._stream)

    def wait(self, event) -> None:
        self._wait(event)

    def elapsed_ms(self, start, end) -> float:
        return float(self._elapsed(start, end))

    def synchronize(self) -> None:
        self._synchronize()

    def pending_ms(self) -> float:
        start = self._clock()
        self._synchronize()
        return (self._clock() - start) * 1000

    def flush_l2(self) -> None:
        self._zero(self._flush)

    def check_stream(self, run: str) -> None:
        if self._current_stream(self.tensor_device) != self._stream:
            raise TimingRejected(
                "side_stream", f"{run} changed the current stream: all work must be timed"
            )


class CpuDevice:
    """The fake GPU's stand-in (CPU tensors, tests and ``GRADER_FAKE_GPU``): the harness's
    rules run as on a card, timed by the process clock captured at construction. What it
    measures is never a speed: it exists so that the sandbox's timing path, tampering
    included, is exercised where no GPU is."""

    tensor_device = "cpu"

    def __init__(self) -> None:
        self._clock = time.perf_counter

    def watched(self) -> list:
        return [(time, "perf_counter")]

    def clock(self) -> float:
        return self._clock()

    def event(self) -> list[float]:
        return []

    def record(self, event: list[float]) -> None:
        event.append(self._clock())

    def wait(self, event) -> None:
        pass

    def elapsed_ms(self, start: list[float], end: list[float]) -> float:
        return (end[0] - start[0]) * 1000

    def synchronize(self) -> None:
        pass

    def pending_ms(self) -> float:
        return 0.0

    def flush_l2(self) -> None:
        pass

    def check_stream(self, run: str) -> None:
        pass


# --------------------------------------------------------------------------- on the GPU


def flush_buffer(device: str):
    """A buffer four times the L2 cache (at least 64 MiB), written between timed runs."""
    import torch

    props = torch.cuda.get_device_properties(device)
    l2 = int(getattr(props, "L2_cache_size", 0) or 50 * 2**20)
    return torch.empty(max(4 * l2, 64 * 2**20) // 4, dtype=torch.float32, device=device)


class _Runner:
    """What the zygote's timing hands to ``time_cuda``: the harness and whom to time."""

    def __init__(self, harness: TimingHarness, fn: Callable | None) -> None:
        self.harness, self.fn = harness, fn


def time_cuda(fn, *, warmup: int = 5, runs: int = 20, flush=None) -> list[float]:
    """Milliseconds of each of ``runs`` timed calls of ``fn`` (after ``warmup`` calls),
    with CUDA events, the L2 flushed (``flush.zero_()``) before each run. A runner from
    ``reference_call``/``candidate_call`` is timed by its harness instead."""
    if isinstance(fn, _Runner):
        return fn.harness.time(fn.fn)
    import torch

    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    for start, end in zip(starts, ends, strict=True):
        if flush is not None:
            flush.zero_()
        start.record()
        fn()
        end.record()
    torch.cuda.synchronize()
    return [start.elapsed_time(end) for start, end in zip(starts, ends, strict=True)]


def measure_copy_bandwidth(device: str, nbytes: int = 512 * 2**20, runs: int = 10) -> float:
    """The card's device-to-device copy bandwidth in bytes/s (read + write counted)."""
    import torch

    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    times = time_cuda(lambda: dst.copy_(src), warmup=3, runs=runs)
    return bandwidth(2 * nbytes, median(times) / 1000)


def timing_inputs(spec: dict, device: str) -> dict:
    """The timing's template inputs on ``device``, with the harness that times both
    sides (built here, before the candidate's code is loaded)."""
    harness = TimingHarness(spec, CpuDevice() if device == "cpu" else CudaDevice(device))
    return {**harness.template, "harness": harness}


def reference_call(spec: dict, inputs: dict) -> _Runner:
    """The library's version of the timed operation (cuDNN batch norm)."""
    return _Runner(inputs["harness"], None)


def candidate_call(spec: dict, fn: Callable, inputs: dict) -> _Runner:
    """The candidate's function, as the problem's contract calls it."""
    return _Runner(inputs["harness"], fn)


def measure_baseline(spec: dict, device: str = "cuda") -> dict:
    """The card's copy bandwidth and the library's times on ``spec``, by the harness's
    rules, in a process that never loads a candidate's code (``python gpu_timing.py
    baseline SPEC_JSON``)."""
    import torch

    harness = TimingHarness(spec, CudaDevice(device))
    x = harness.template["x"]
    return {
        "peak_bytes_per_s": measure_copy_bandwidth(device),
        "reference_ms": harness.time(),
        "bytes_moved": int(spec.get("bytes_factor", 2)) * x.numel() * x.element_size(),
        "device_name": torch.cuda.get_device_name(device),
    }


if __name__ == "__main__":
    if sys.argv[1:2] != ["baseline"]:
        sys.exit("usage: python gpu_timing.py baseline SPEC_JSON")
    print(json.dumps(measure_baseline(json.loads(sys.argv[2]))))
