"""Handing one e-mail to the municipality's mail server over SMTP (SMTP_* settings), telling apart a mail
that certainly did not go (retry) from one that may have gone (never again).

Everything up to and including RCPT is a conversation about a mail not yet sent: any failure there is
certain. `handed_over` is called just before DATA; after that, a refusal with a reply code is still
certain, but a lost connection or a timeout is not: the server may have queued the mail.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from api.settings import Settings


class MailNotSent(Exception):
    """The server certainly does not have the mail; `permanent` when trying again cannot help (5xx)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class MailMayHaveBeenSent(Exception):
    """The connection broke while the server held the mail: it may be delivered, so it is not sent again."""


def _refusal(exc: smtplib.SMTPException) -> MailNotSent:
    code = getattr(exc, "smtp_code", None)
    return MailNotSent(f"{type(exc).__name__} {code or ''}".strip(), permanent=bool(code and code >= 500))


def _expect(step: str, reply: tuple[int, bytes]) -> None:
    code = reply[0]
    if code not in (250, 251):  # 251: accepted, will forward
        raise MailNotSent(f"{step} {code}", permanent=code >= 500)


class SmtpMailer:
    """Sends through SMTP_HOST:SMTP_PORT with SMTP_TLS (starttls, ssl or none) and optional login."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls == "ssl":
            return smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        if s.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: EmailMessage, handed_over: Callable[[], None]) -> None:
        """Send `message` to its To address; raises MailNotSent or MailMayHaveBeenSent."""
        s = self.settings
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(f"connect: {type(exc).__name__}") from exc
        try:
            try:
                client.ehlo_or_helo_if_needed()
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password)
                _expect("mail", client.mail(s.smtp_from))
                _expect("rcpt", client.rcpt(str(message["To"])))
            except smtplib.SMTPException as exc:
                raise _refusal(exc) from exc
            except OSError as exc:
                raise MailNotSent(f"before data: {type(exc).__name__}") from exc
            handed_over()
            try:
                reply = client.data(message.as_bytes())
            except smtplib.SMTPResponseException as exc:
                raise _refusal(exc) from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise MailMayHaveBeenSent(type(exc).__name__) from exc
            _expect("data", reply)  # a reply with a code: the server says what it did
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
