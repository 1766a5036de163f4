"""The card's state around a timing: temperature, clocks, power and throttle reasons
(NVML when installed, else `nvidia-smi`), and the cool-down before a timed run.
``python -m grader.engine.gpu_telemetry`` prints it."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from collections.abc import Callable

# Cool-down: the card idles at least COOL_IDLE_S, then until it is at or below
# COOL_TARGET_C, for at most COOL_MAX_WAIT_S.
COOL_IDLE_S = 1.0
COOL_TARGET_C = 65.0
COOL_MAX_WAIT_S = 30.0
UNKNOWN = "unknown"


def unknown_telemetry() -> dict:
    return {
        "temperature_c": UNKNOWN,
        "sm_clock_mhz": UNKNOWN,
        "memory_clock_mhz": UNKNOWN,
        "power_w": UNKNOWN,
        "throttle_reasons": UNKNOWN,
        "source": UNKNOWN,
    }


def _number(text: str):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return UNKNOWN
    return value if math.isfinite(value) else UNKNOWN


def read_telemetry(index: int = 0, run=subprocess.run) -> dict:
    """Temperature, clocks, power and throttle reasons of GPU ``index``: NVML when its
    bindings are installed, else ``nvidia-smi``, else every value ``"unknown"``."""
    try:
        import pynvml  # nvidia-ml-py: optional

        pynvml.nvmlInit()
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            return {
                "temperature_c": float(
                    pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU)
                ),
                "sm_clock_mhz": float(pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM)),
                "memory_clock_mhz": float(
                    pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_MEM)
                ),
                "power_w": pynvml.nvmlDeviceGetPowerUsage(handle) / 1000,
                "throttle_reasons": hex(
                    pynvml.nvmlDeviceGetCurrentClocksEventReasons(handle)
                    if hasattr(pynvml, "nvmlDeviceGetCurrentClocksEventReasons")
                    else pynvml.nvmlDeviceGetCurrentClocksThrottleReasons(handle)
                ),
                "source": "nvml",
            }
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - no NVML (not installed, no driver): try nvidia-smi
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return unknown_telemetry()
    fields = "temperature.gpu,clocks.sm,clocks.mem,power.draw,clocks_throttle_reasons.active"
    try:
        done = run(
            [smi, f"--id={index}", f"--query-gpu={fields}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return unknown_telemetry()
    parts = [p.strip() for p in (done.stdout or "").strip().split(",")]
    if done.returncode != 0 or len(parts) != 5:
        return unknown_telemetry()
    return {
        "temperature_c": _number(parts[0]),
        "sm_clock_mhz": _number(parts[1]),
        "memory_clock_mhz": _number(parts[2]),
        "power_w": _number(parts[3]),
        "throttle_reasons": parts[4] or UNKNOWN,
        "source": "nvidia-smi",
    }


def cool_down(
    read: Callable[[], dict] = read_telemetry,
    *,
    sleep: Callable[[float], None] = time.sleep,
    idle_s: float = COOL_IDLE_S,
    target_c: float = COOL_TARGET_C,
    max_wait_s: float = COOL_MAX_WAIT_S,
) -> dict:
    """Let the card idle before a measurement: ``idle_s``, then until its temperature is
    at most ``target_c`` (at most ``max_wait_s`` in all). Returns the telemetry it ended
    on with ``waited_s`` (and ``cooled: False`` when the target was not reached)."""
    sleep(idle_s)
    waited = idle_s
    state = read()
    while (
        isinstance(state.get("temperature_c"), float)
        and state["temperature_c"] > target_c
        and waited < max_wait_s
    ):
        sleep(1.0)
        waited += 1.0
        state = read()
    temperature = state.get("temperature_c")
    cooled = temperature == UNKNOWN or temperature <= target_c
    return {**state, "waited_s": waited, "cooled": cooled}


if __name__ == "__main__":
    print(json.dumps(read_telemetry()))
