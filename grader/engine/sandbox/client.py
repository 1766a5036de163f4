"""The grading service's client: what a Celery worker (or `manage.py serve_dev`'s web
process) uses to run a job in the service (`service.py`), a drop-in for ``SandboxPool``."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import fields

import numpy as np

from grader.engine.config import GraderConfig, load_config
from grader.engine.devices import CPU_DEVICE
from grader.engine.sandbox.protocol import (
    MAX_HEADER_BYTES,
    RunResult,
    SandboxUnavailable,
    ServiceError,
    encode_message,
    recv_frame,
    send_frame,
)


class ServicePool:
    """A ``SandboxPool`` whose jobs run in the grading service (same ``run`` contract)."""

    unsandboxed = False

    def __init__(
        self,
        config: GraderConfig | None = None,
        *,
        runtime: str = "numpy",
        device: str = CPU_DEVICE,
        socket_path: str = "",
    ) -> None:
        """``socket_path``: the service to use (default: the hiring one, ``service_socket``)."""
        self.runtime, self.device = runtime, device
        self._local = config or load_config()
        self.socket_path = socket_path or self._local.service_socket
        self._status: dict | None = None
        self._lock = threading.Lock()

    def _connect(self, timeout: float | None) -> socket.socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        try:
            conn.connect(self.socket_path)
        except OSError as exc:
            conn.close()
            raise SandboxUnavailable(
                f"the grading service is not reachable at {self.socket_path} ({exc.strerror}); "
                "start it with `python -m grader serve`"
            ) from None
        return conn

    def status(self, *, refresh: bool = False) -> dict:
        with self._lock:
            if self._status is None or refresh:
                with self._connect(timeout=60) as conn:
                    send_frame(conn, encode_message({"op": "status"}, {}))
                    self._status = json.loads(recv_frame(conn, MAX_HEADER_BYTES))
            return self._status

    @property
    def config(self) -> GraderConfig:
        """The service's limits (what the grading compares against), once it answered."""
        try:
            remote = self.status()["config"]
        except (SandboxUnavailable, ServiceError, OSError, ValueError, KeyError):
            return self._local
        known = {f.name for f in fields(GraderConfig)}
        return GraderConfig(**{k: v for k, v in remote.items() if k in known})

    def start(self) -> None:
        problem = self.status(refresh=True).get("sandbox_problem")
        if problem:
            raise SandboxUnavailable(problem)

    def run(self, header: dict, arrays: dict[str, np.ndarray]) -> RunResult:
        request = {"op": "run", "runtime": self.runtime, "device": self.device, "header": header}
        limit = self.config.result_bytes * 2 + (16 << 20)
        try:
            # The service enforces the wall clock; this only guards against a hung service.
            with self._connect(timeout=self.config.wall_s * 4 + 120) as conn:
                send_frame(conn, encode_message(request, arrays))
                return RunResult.from_wire(recv_frame(conn, limit), limit)
        except (ServiceError, OSError) as exc:
            return RunResult(internal=f"the grading service failed: {exc}")

    def close(self) -> None:
        """Nothing to close: one connection per job."""
