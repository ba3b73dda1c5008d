"""Which service a test run uses: the configured one when it answers, else the embedded default."""

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    reason: str

    def describe(self) -> str:
        return f"{self.name}: {_hide_password(self.url)} ({self.reason})"


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def reachable(url: str, default_port: int, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "localhost", parts.port or default_port)
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def choose(
    name: str, variable: str, default_port: int, embedded: str, start_embedded: Callable[[], str]
) -> Backend:
    """The service named by `variable` when it is set and answers; else `start_embedded()`."""
    configured = os.environ.get(variable)
    if configured and (configured.startswith("sqlite") or reachable(configured, default_port)):
        return Backend(name, configured, f"from {variable}")
    why = "did not answer" if configured else "is not set"
    return Backend(name, start_embedded(), f"{embedded}; {variable} {why}")
