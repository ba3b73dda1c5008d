"""Ways to hurt a real database server from a test: reset the service's connections, or route
the service through a proxy that can cut and stall."""

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from .tcp_proxy import TcpProxy


def admin_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def terminate_backends(url: str, application_name: str, *, wait: bool = True) -> int:
    """What a database restart or failover does to a service's pooled connections; returns how
    many were cut. With `wait`, returns once they are gone (the server has closed them), however
    busy the machine is; without, at once, while they are still going, as in a failover."""
    connection = await asyncpg.connect(admin_url(url))
    try:
        terminated = await connection.fetch(
            "SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity "
            "WHERE application_name = $1 AND pid <> pg_backend_pid()",
            application_name,
            5000 if wait else 0,
        )
    finally:
        await connection.close()
    return len(terminated)


def through(url: str, proxy: TcpProxy) -> str:
    """`url` with the proxy's address instead of the server's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{proxy.port}"))
