"""The users' job: a password reset's message, sent once its request is answered. Sent at least
once (a job may run again), always with the same token (made from the row's nonce and the
signing key), and marked sent only once the mail server took it."""

import logging
from datetime import datetime

from ...auth.secret import signing_key
from ...auth.tokens import password_reset_token
from ...db import Database
from ...db.clock import utcnow
from ...jobs.processing import Job, JobContext
from ...outbound.mail import Mail, mailer_for
from .repository import PasswordResetRepository

logger = logging.getLogger(__name__)

SUBJECT = "Reset your password"


def reset_message(settings_link: str, token: str, minutes: int) -> str:
    how = (
        f"Open this link to choose a new password:\n\n{settings_link.replace('{token}', token)}"
        if settings_link
        else "Choose a new password with this token:\n\n"
        f"{token}\n\n(POST /api/v1/auth/password-reset/confirm "
        '{"token": "...", "new_password": "..."})'
    )
    return (
        f"Someone asked to reset the password of this address's account.\n\n{how}\n\n"
        f"It works once, for {minutes} minutes, and signs every device out. If it was not you, "
        "ignore this message: the password stays as it is.\n"
    )


async def send_password_reset(context: JobContext, reset_id: int) -> bool:
    """Send the reset's message; `False` when it was sent already, used, or too late."""
    async with context.database.reader() as unit:
        found = await PasswordResetRepository(unit).to_send(reset_id, utcnow())
    if found is None:
        return False
    email, nonce = found
    settings = context.settings
    token = password_reset_token(signing_key(settings), nonce)
    minutes = settings.auth_password_reset_seconds // 60
    text = reset_message(settings.auth_password_reset_link, token, minutes)
    await mailer_for(settings).send(Mail(to=email, subject=SUBJECT, text=text))
    async with context.database.autocommit() as unit:
        await PasswordResetRepository(unit).sent(reset_id, utcnow())
    logger.info("password reset %s sent", reset_id)
    return True


async def unsent_password_resets(database: Database, older_than: datetime, limit: int) -> list[int]:
    async with database.reader() as unit:
        return await PasswordResetRepository(unit).unsent(older_than, utcnow(), limit)


SEND_PASSWORD_RESET = Job(
    "send_password_reset", run=send_password_reset, pending=unsent_password_resets
)
