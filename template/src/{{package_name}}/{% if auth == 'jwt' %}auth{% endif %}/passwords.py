"""Passwords are stored as argon2id hashes (pwdlib over argon2-cffi). A hash costs tens of
milliseconds of CPU and `AUTH_PASSWORD_MEMORY_KIB` of memory by design, so it runs on a few
threads of its own, never on the event loop: a burst of logins waits there while every other
request goes on being served. At most `AUTH_HASHING_QUEUE` wait: more at once answer 503 at
once, instead of making a real sign-in wait behind a flood."""

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from ..settings import Settings

THREAD_NAME = "password-hashing"

Result = TypeVar("Result")


class HashingBusy(Exception):
    """Every hashing thread is busy and `AUTH_HASHING_QUEUE` checks wait already: 503."""


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, threads: int, queue: int) -> None:
        self._hashing = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=THREAD_NAME)
        self._places = asyncio.Semaphore(threads + queue)
        self._decoy: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, threads: int | None = None) -> "Passwords":
        return cls(
            time_cost=settings.auth_password_time_cost,
            memory_kib=settings.auth_password_memory_kib,
            threads=threads or settings.auth_hashing_threads,
            queue=settings.auth_hashing_queue,
        )

    async def hash(self, password: str) -> str:
        return await self._off_the_loop(self._hashing.hash, password)

    async def verify(self, password: str, stored: str | None) -> tuple[bool, str | None]:
        """Whether `password` matches the `stored` hash, and its new hash when the hashing
        parameters have changed since (store it). Without a stored hash (no such user) a decoy
        is checked: the same work, so the answer's timing does not tell an unknown email from
        a wrong password."""
        if stored is None:
            if self._decoy is None:
                self._decoy = await self.hash(secrets.token_urlsafe(16))
            await self._off_the_loop(self._hashing.verify_and_update, password, self._decoy)
            return False, None
        try:
            return await self._off_the_loop(self._hashing.verify_and_update, password, stored)
        except UnknownHashError:  # a placeholder, e.g. a user who cannot sign in with a password
            return False, None

    async def _off_the_loop(self, call: Callable[..., Result], *args: str) -> Result:
        if self._places.locked():
            raise HashingBusy
        async with self._places:
            return await asyncio.get_running_loop().run_in_executor(self._threads, call, *args)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
