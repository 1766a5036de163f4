"""Which grading workers are alive, and which of them have a GPU.

A worker announces itself in Redis under ``normassess:worker:<name>`` with an expiry and
refreshes the key from a heartbeat thread every third of it; a worker that dies simply
stops refreshing and drops out when the key expires. No Django here: the Celery signal
handlers (``grader.worker``), the routing (``grader.routing``) and the review dashboard's
health panel all call the same functions with the broker URL.

With the embedded filesystem broker (no Redis) a worker announces itself with a file in
``folder`` (one JSON file per worker, its expiry inside), so `make run`'s worker is seen
too; without a folder nothing can be announced (``live_workers()`` is empty).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

KEY_PREFIX = "normassess:worker:"
# Test and development override: a JSON object of GPU facts this worker claims to have
# (e.g. '{"gpu_name": "Fake H100"}'). The worker announces kind "gpu" and grades
# GPU problems on CPU tensors; reports say the GPU was fake. Never set it in production.
FAKE_GPU_ENV = "GRADER_FAKE_GPU"
DEFAULT_TTL_S = 30


def _broker_url(broker_url: str | None) -> str:
    # Callers inside Django pass settings.CELERY_BROKER_URL; elsewhere the environment.
    return broker_url or os.environ.get("CELERY_BROKER_URL", "")


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis(url: str):
    import redis

    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
            _clients[url] = client
        return client


# --------------------------------------------------------------------------- this host


def fake_gpu() -> dict | None:
    """The fake GPU of ``GRADER_FAKE_GPU``, or None when it is unset."""
    raw = os.environ.get(FAKE_GPU_ENV, "").strip()
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except ValueError:
        raise ValueError(f"{FAKE_GPU_ENV} must be a JSON object, got {raw[:80]!r}") from None
    if not isinstance(info, dict):
        raise ValueError(f"{FAKE_GPU_ENV} must be a JSON object")
    return {
        "gpu_name": str(info.get("gpu_name", "Fake GPU")),
        "gpu_memory_bytes": int(info.get("gpu_memory_bytes", 80 * 2**30)),
        "driver": str(info.get("driver", "fake")),
        "fake": True,
    }


def cuda_available() -> bool:
    """A real CUDA device is usable from this process (torch's view)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _driver_version() -> str:
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run(
                [smi, "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError):
            pass
    import torch

    return f"CUDA {torch.version.cuda}" if torch.version.cuda else "unknown"


def local_gpu() -> dict | None:
    """This host's GPU ({gpu_name, gpu_memory_bytes, driver, fake}) or None.

    Querying torch initializes CUDA in this process; call it in the worker's main process
    only before the pool forks, or in a child that will use CUDA itself."""
    fake = fake_gpu()
    if fake is not None:
        return fake
    if not cuda_available():
        return None
    import torch

    props = torch.cuda.get_device_properties(0)
    return {
        "gpu_name": props.name,
        "gpu_memory_bytes": int(props.total_memory),
        "driver": _driver_version(),
        "fake": False,
    }


# --------------------------------------------------------------------------- announcements


def _record_path(folder: str | Path, worker_name: str) -> Path:
    # Worker names are host names ("celery@laptop"); keep the file name to safe characters.
    safe = "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in worker_name)[:200]
    return Path(folder) / f"{safe}.json"


def announce(
    worker_name: str,
    info: dict,
    ttl_s: int = DEFAULT_TTL_S,
    *,
    broker_url: str | None = None,
    folder: str | Path | None = None,
) -> bool:
    """Write (or refresh) this worker's record with an expiry: in Redis, or in ``folder``
    for another broker; False when there is neither.

    ``info`` carries ``kind`` ('cpu' or 'gpu') and, for a GPU worker, ``gpu_name``,
    ``gpu_memory_bytes`` and ``driver``; ``queues`` is what it consumes."""
    url = _broker_url(broker_url)
    if not _is_redis(url) and not folder:
        return False
    record = {
        "name": worker_name,
        "kind": info.get("kind", "cpu"),
        "gpu_name": info.get("gpu_name"),
        "gpu_memory_bytes": info.get("gpu_memory_bytes"),
        "driver": info.get("driver"),
        "fake": bool(info.get("fake", False)),
        "queues": list(info.get("queues", ())),
        # Why this worker cannot sandbox submissions (None: it can), and what bounds a job.
        "sandbox_problem": info.get("sandbox_problem"),
        # Why it cannot grade the practice code it takes (the practice grading service).
        "practice_problem": info.get("practice_problem"),
        "resource_limits": info.get("resource_limits"),
        # What its sandbox runs ("numpy", "torch"), for hiring submissions and for the
        # practice code it takes: the platform offers only problems some worker can grade.
        # None: not announced (``worker_runtimes`` then infers them).
        "runtimes": info.get("runtimes"),
        "practice_runtimes": info.get("practice_runtimes"),
        # Changes at every start: a restarted worker keeps its name but not its instance,
        # so work the dead instance held is known to be orphaned.
        "instance": info.get("instance", ""),
        "announced_at": info.get("announced_at") or time.time(),
        "ttl_s": int(ttl_s),
    }
    if _is_redis(url):
        _redis(url).set(KEY_PREFIX + worker_name, json.dumps(record), ex=int(ttl_s))
        return True
    path = _record_path(folder, worker_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    record["expires_at"] = time.time() + int(ttl_s)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, path)  # readers never see half a record
    return True


def withdraw(
    worker_name: str, *, broker_url: str | None = None, folder: str | Path | None = None
) -> None:
    """Remove this worker's record at a clean shutdown (a crash lets it expire)."""
    url = _broker_url(broker_url)
    if _is_redis(url):
        _redis(url).delete(KEY_PREFIX + worker_name)
    elif folder:
        _record_path(folder, worker_name).unlink(missing_ok=True)


def _folder_workers(folder: str | Path) -> list[dict]:
    now, workers = time.time(), []
    for path in Path(folder).glob("*.json") if Path(folder).is_dir() else ():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("unreadable worker record %s", path)
            continue
        if isinstance(record, dict) and float(record.get("expires_at", 0)) > now:
            workers.append(record)
    return workers


def live_workers(*, broker_url: str | None = None, folder: str | Path | None = None) -> list[dict]:
    """Every worker whose announcement has not expired, sorted by name."""
    url = _broker_url(broker_url)
    if not _is_redis(url):
        workers = _folder_workers(folder) if folder else []
        return sorted(workers, key=lambda w: str(w.get("name")))
    client = _redis(url)
    keys = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=200))
    workers = []
    for key, raw in zip(keys, client.mget(keys) if keys else [], strict=True):
        if raw is None:  # expired between SCAN and MGET
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            logger.warning("unreadable worker record under %r", key)
            continue
        if isinstance(record, dict):
            workers.append(record)
    return sorted(workers, key=lambda w: str(w.get("name")))


def worker_identity(name: str, instance: str) -> str:
    """How a submission row names the worker instance that holds it."""
    return f"{name}/{instance}"


def live_identities(*, broker_url: str | None = None) -> set[str] | None:
    """The identities of every live worker instance; None when it cannot be told (no
    Redis broker, or Redis did not answer): then nobody may be declared dead."""
    url = _broker_url(broker_url)
    if not _is_redis(url):
        return None
    try:
        workers = live_workers(broker_url=url)
    except Exception:
        logger.warning("could not read the workers' announcements", exc_info=True)
        return None
    return {worker_identity(str(w.get("name")), str(w.get("instance", ""))) for w in workers}


def gpu_alive(*, broker_url: str | None = None, folder: str | Path | None = None) -> bool:
    """At least one GPU worker's announcement is live."""
    return any(w.get("kind") == "gpu" for w in live_workers(broker_url=broker_url, folder=folder))


def worker_runtimes(worker: dict, *, practice: bool = False) -> list[str]:
    """What a live worker's sandbox runs for hiring submissions (``practice``: for the
    practice code it takes). A record from a worker older than this announcement: NumPy,
    and torch and Triton on a GPU worker (the GPU image always has them)."""
    announced = worker.get("practice_runtimes" if practice else "runtimes")
    if announced is not None:
        return [str(r) for r in announced]
    if not practice and worker.get("sandbox_problem"):
        return []
    return ["numpy", "torch", "triton"] if worker.get("kind") == "gpu" else ["numpy"]


def can_grade(
    worker: dict, *, queue: str, runtime: str, gpu: bool = False, practice: bool = False
) -> bool:
    """The worker consumes ``queue`` (a record naming no queues takes any), runs
    ``runtime`` in its sandbox, and has a GPU when ``gpu``."""
    queues = worker.get("queues") or ()
    if queues and queue not in queues:
        return False
    if gpu and worker.get("kind") != "gpu":
        return False
    return runtime in worker_runtimes(worker, practice=practice)


def queue_lengths(
    queue_names: Iterable[str],
    *,
    broker_url: str | None = None,
    broker_folder: str | Path | None = None,
) -> dict[str, int | None]:
    """Messages waiting per queue: LLEN on Redis; with the filesystem broker, the message
    files in ``broker_folder`` routed to each queue (None when it cannot be told)."""
    names = list(queue_names)
    url = _broker_url(broker_url)
    if _is_redis(url):
        client = _redis(url)
        return {name: int(client.llen(name)) for name in names}
    folder = Path(broker_folder) if broker_folder else None
    if folder is None or not folder.is_dir():
        return dict.fromkeys(names)
    counts = dict.fromkeys(names, 0)
    for path in folder.glob("*.msg"):
        try:
            message = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        key = (message.get("properties", {}).get("delivery_info", {}) or {}).get("routing_key")
        if key in counts:
            counts[key] += 1
    return counts


class Heartbeat:
    """Refreshes one worker's announcement every ``ttl_s / 3`` seconds until stopped."""

    def __init__(
        self,
        worker_name: str,
        info: dict,
        ttl_s: int = DEFAULT_TTL_S,
        *,
        broker_url: str | None = None,
        folder: str | Path | None = None,
    ) -> None:
        self.worker_name, self.ttl_s = worker_name, int(ttl_s)
        self.info = {**info, "announced_at": info.get("announced_at") or time.time()}
        self.broker_url = _broker_url(broker_url)
        self.folder = folder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grader-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def _beat(self) -> None:
        try:
            announce(
                self.worker_name,
                self.info,
                self.ttl_s,
                broker_url=self.broker_url,
                folder=self.folder,
            )
        except Exception:  # Redis blips must not kill the worker; the next beat retries
            logger.exception("could not announce worker %s", self.worker_name)

    def _run(self) -> None:
        while not self._stop.wait(max(self.ttl_s / 3, 0.2)):
            self._beat()

    def stop(self, *, withdraw_record: bool = True) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if withdraw_record:
            try:
                withdraw(self.worker_name, broker_url=self.broker_url, folder=self.folder)
            except Exception:
                logger.exception("could not withdraw worker %s", self.worker_name)
