"""A real PgBouncer in transaction mode in front of the tests' PostgreSQL, on a loopback port of
its own: Debian's `pgbouncer` (`apt-get install pgbouncer`), started and stopped by the tests."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .ports import free_port

PLACES = ("/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer")
"""Where Debian and a source build put it, outside an unprivileged user's PATH."""


def binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in PLACES if os.path.isfile(p)), None)


@contextmanager
def transaction_pooler(database_url: str, server_connections: int = 4) -> Iterator[str]:
    """PgBouncer lending `server_connections` server connections, one transaction at a time, to
    every client; yields `database_url` pointed at it. Few server connections make consecutive
    transactions of one client land on different ones, as they do in production."""
    found = binary()
    assert found, "pgbouncer is not installed"
    server = urlsplit(database_url)
    user = server.username or "postgres"
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)  # read by the unprivileged user pgbouncer switches to when run as root
    (folder / "users.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.hostname or '127.0.0.1'} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = {'plain' if server.password else 'trust'}\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {server_connections}\nmax_client_conn = 500\n"
    )
    for name in ("users.txt", "pgbouncer.ini"):
        (folder / name).chmod(0o644)
    run_as = ["-u", "nobody"] if os.geteuid() == 0 else []
    log = (folder / "pgbouncer.log").open("w")
    process = subprocess.Popen(
        [found, *run_as, str(folder / "pgbouncer.ini")], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                said = (folder / "pgbouncer.log").read_text()
                raise RuntimeError(f"pgbouncer did not start: {said}")
            time.sleep(0.05)
        netloc = f"{user}{':' + server.password if server.password else ''}@127.0.0.1:{port}"
        yield urlunsplit(server._replace(netloc=netloc))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
