"""Loopback ports for the servers the tests start (the production server, a pooler, a cache).

A port the kernel hands out for `bind(0)` comes from the range it also gives every outgoing
connection, so between the probe closing it and the server binding it, a client socket of any
process may take it (the server then fails with "Address already in use"). These ports come from
below that range, and each is reserved for the life of the process by a lock file, so two test
processes running side by side never hand out the same one.
"""

import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

LOCKS = Path(tempfile.gettempdir()) / "test-ports"
LOWEST = 10000
_held: list[int] = []  # lock files kept open: their locks are the reservations


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _reserve(port: int) -> bool:
    LOCKS.mkdir(exist_ok=True)
    lock = os.open(LOCKS / str(port), os.O_CREAT | os.O_RDWR, 0o666)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        return False
    _held.append(lock)
    return True


def free_port(also_above: int = 0) -> int:
    """A free loopback port no other test process holds; with `also_above`, the port that far
    above it is free and held too (a cluster node whose bus listens that far above its own port)."""
    highest = _ephemeral_start() - 1 - also_above
    for _ in range(1000):
        port = random.randint(LOWEST, highest)
        wanted = (port, port + also_above) if also_above else (port,)
        if all(_bindable(p) for p in wanted) and all(_reserve(p) for p in wanted):
            return port
    raise RuntimeError(f"no free port between {LOWEST} and {highest}")
