"""Mail the service sends (a password reset's message), through `SMTP_URL` with aiosmtplib: a
connection per message, which is what a service sending a message now and then needs, every
step bounded by `SEND_TIMEOUT_SECONDS`. Without `SMTP_URL`, on the embedded SQLite database (a
developer's machine) a message is written to the log instead; anywhere else it is not sent, and
the log says so without its text (which may hold a secret)."""

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from ..settings import Settings

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Hand the message over, or raise: a job that sends it is run again."""


class SmtpMailer:
    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 587)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._implicit_tls,
            timeout=SEND_TIMEOUT_SECONDS,
        )


class LogMailer:
    """A developer's mail: the whole message in the log."""

    async def send(self, mail: Mail) -> None:
        logger.warning("mail to %s (no SMTP_URL): %s\n%s", mail.to, mail.subject, mail.text)


class NoMailer:
    """Without `SMTP_URL` in production: nothing is sent, and the log says what was not."""

    async def send(self, mail: Mail) -> None:
        logger.error("mail to %s not sent: set SMTP_URL (%s)", mail.to, mail.subject)


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    if settings.database_url.startswith("sqlite"):
        return LogMailer()
    return NoMailer()
