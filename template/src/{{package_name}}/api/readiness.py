"""What `/health/ready` asks: one check per dependency, registered by the app factory."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    name: str
    probe: Callable[[], Awaitable[None]]
    critical: bool = True
    """A critical dependency that is down makes the service unready (503); any other is degraded."""
