"""What travels between the grader and a sandboxed job: framed JSON headers plus ``.npz``
payloads of plain arrays, never a pickle. Also the run's result as it crosses the grading
service's socket, and that socket's length-prefixed frames (`send_frame`, `recv_frame`)."""

from __future__ import annotations

import base64
import io
import json
import socket
import struct
from dataclasses import asdict, dataclass, field

import numpy as np

from grader.engine.sandbox.zygote import load_npz

MAGIC = b"GRDR"
FRAME = struct.Struct("<4sQQ")
MAX_HEADER_BYTES = 1 << 20
# What a report shows of the candidate's stdout / stderr.
EXCERPT_BYTES = 4096


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here (no bubblewrap, no user namespaces, a failed start): our
    fault, never the candidate's."""


class UnsandboxedWarning(RuntimeWarning):
    """Candidates' code is running without isolation (GRADER_ALLOW_UNSANDBOXED)."""


@dataclass
class RunResult:
    """What came back from one sandboxed job; nothing in it is trusted beyond its types."""

    messages: list[tuple[dict, dict[str, np.ndarray]]] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    output_exceeded: bool = False
    result_exceeded: bool = False
    corrupt: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    # The supervisor killed the job: its processes and tmpfs together went over the allowance.
    memory_exceeded: bool = False
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    wall_s: float = 0.0
    internal: str | None = None

    def to_wire(self) -> bytes:
        """This result as one frame for the grading service's socket (arrays as .npz)."""
        fields = asdict(self)
        fields.pop("messages")
        fields["stdout"] = base64.b64encode(self.stdout).decode()
        fields["stderr"] = base64.b64encode(self.stderr).decode()
        return encode_message({"result": fields}, {}) + b"".join(
            encode_message(header, arrays) for header, arrays in self.messages
        )

    @classmethod
    def from_wire(cls, data: bytes, result_limit: int) -> RunResult:
        """Read a result written by :meth:`to_wire`; malformed data is an internal error."""
        messages, corrupt = parse_messages(data, result_limit)
        if corrupt or not messages or "result" not in messages[0][0]:
            return cls(internal=f"unreadable answer from the grading service: {corrupt}")
        fields = dict(messages[0][0]["result"])
        fields["stdout"] = base64.b64decode(fields.get("stdout", ""))
        fields["stderr"] = base64.b64decode(fields.get("stderr", ""))
        known = {name for name in cls.__dataclass_fields__ if name != "messages"}
        result = cls(**{k: v for k, v in fields.items() if k in known})
        result.messages = messages[1:]
        return result


def encode_message(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One frame: magic, lengths, the JSON header, then the arrays as a pickle-free .npz."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    data = buffer.getvalue()
    head = json.dumps(header).encode()
    return FRAME.pack(MAGIC, len(head), len(data)) + head + data


def parse_messages(data: bytes, result_limit: int) -> tuple[list, str | None]:
    """Split a channel into (header, arrays) messages; never unpickles anything."""
    messages = []
    offset = 0
    try:
        while offset < len(data):
            if len(data) - offset < FRAME.size:
                raise ValueError("truncated message")
            magic, head_len, data_len = FRAME.unpack_from(data, offset)
            if magic != MAGIC or head_len > MAX_HEADER_BYTES or data_len > result_limit:
                raise ValueError("bad message frame")
            offset += FRAME.size
            end = offset + head_len + data_len
            if end > len(data):
                raise ValueError("truncated message")
            header = json.loads(data[offset : offset + head_len])
            if not isinstance(header, dict):
                raise ValueError("bad message header")
            arrays = load_npz(data[offset + head_len : end], result_limit)
            messages.append((header, arrays))
            offset = end
    except Exception as exc:  # anything malformed is the submission's doing
        return messages, f"{type(exc).__name__}: {exc}"[:300]
    return messages, None


# The grading service's socket: one length-prefixed frame each way.
LENGTH = struct.Struct("<Q")
# A job's inputs: the hidden tests of the largest GPU problem are a few hundred MB.
MAX_REQUEST_BYTES = 4 << 30


class ServiceError(RuntimeError):
    """The grading service could not be reached or answered nonsense."""


def recv_exact(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise ServiceError("connection closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_frame(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(LENGTH.pack(len(payload)) + payload)


def recv_frame(conn: socket.socket, limit: int) -> bytes:
    (size,) = LENGTH.unpack(recv_exact(conn, LENGTH.size))
    if size > limit:
        raise ServiceError(f"a frame of {size} bytes is over the limit")
    return recv_exact(conn, size)
