"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests that
send email through Django's SMTP backend."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    peer: tuple = ()  # the client's (address, port): one per SMTP connection

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class SmtpReceiver:
    """`messages` grows as mail arrives; `refuse` makes the server answer 451 (a transient
    failure) to every recipient, for retry tests."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refuse: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.peer)
            )
        return "250 Message accepted"


def start_smtp_receiver() -> tuple[SmtpReceiver, Controller]:
    receiver = SmtpReceiver(port=_free_port())
    controller = Controller(receiver, hostname=receiver.host, port=receiver.port)
    controller.start()
    return receiver, controller
