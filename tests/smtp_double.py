"""A small SMTP server on 127.0.0.1 for tests: it keeps what it accepts and can be told to refuse or to hang
up, so retries and the never-twice rule can be tested against a real SMTP conversation (smtplib on the other
side, no TLS).
"""

from __future__ import annotations

import email
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message

from api.localstack import free_port


@dataclass
class SmtpDouble:
    port: int = field(default_factory=free_port)
    received: list[Message] = field(default_factory=list)
    # What to do to the next conversations, one entry each: ("mail"|"rcpt"|"data", code) refuses that step
    # with the code; ("hang_up", 0) reads the whole message and closes without an answer.
    faults: list[tuple[str, int]] = field(default_factory=list)
    conversations: int = 0
    _server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> SmtpDouble:
        double = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())
                self.wfile.flush()

            def handle(self) -> None:
                double.conversations += 1
                fault = double.faults.pop(0) if double.faults else ("", 0)
                self.reply("220 smtp-double ready")
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 smtp-double")
                    elif verb in ("MAIL", "RCPT"):
                        refused = fault[0] == verb.lower()
                        self.reply(f"{fault[1]} refused" if refused else "250 ok")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        lines = []
                        while (line := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(line[1:] if line.startswith(b"..") else line)
                        if fault[0] == "hang_up":
                            return
                        if fault[0] == "data":
                            self.reply(f"{fault[1]} refused")
                            continue
                        double.received.append(email.message_from_bytes(b"".join(lines)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def settings(self) -> dict[str, object]:
        """The settings that send staff mail here."""
        return {
            "notify_by_email": True,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_from": "inbox@gemeente.example",
            "smtp_tls": "none",
            "smtp_timeout_seconds": 5,
        }
