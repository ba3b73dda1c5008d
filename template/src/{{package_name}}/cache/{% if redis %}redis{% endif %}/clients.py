"""The redis-py asyncio client for the configured `REDIS_MODE`: one Redis (`standalone`), a Redis
Cluster (`cluster`, `REDIS_URL` names any node) or the master a Sentinel names (`sentinel`).

`REDIS_URL` carries what every mode shares: `rediss://` for TLS (a private CA with
`?ssl_ca_certs=/path/ca.pem`), `user:password@` for an ACL user, `/N` for the database. No
command is retried: the cache fails open instead of making a request wait."""

from typing import Any

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelManagedSSLConnection
from redis.backoff import NoBackoff

from ...settings import Settings

RedisClient = Redis | RedisCluster


def _shared(settings: Settings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "retry": Retry(NoBackoff(), 0),
    }


def connect(settings: Settings) -> RedisClient:
    """A client that connects on first use; `aclose()` it with the runtime."""
    if settings.redis_mode == "cluster":
        # One retry: a MOVED or ASK answer during a resharding or failover is a redirection to
        # follow, not an outage. Each command stays bounded by the cache's own timeout.
        return RedisCluster.from_url(
            settings.redis_url, **{**_shared(settings), "retry": Retry(NoBackoff(), 1)}
        )
    if settings.redis_mode == "sentinel":
        return _sentinel_master(settings)
    return Redis.from_url(settings.redis_url, **_shared(settings))


def _sentinel_master(settings: Settings) -> Redis:
    """The Sentinels are asked which Redis is the master, again after a failover; the master is
    reached with `REDIS_URL`'s credentials, database and TLS (its host and port are ignored)."""
    options: dict[str, Any] = dict(parse_url(settings.redis_url))
    for address_only in ("host", "port", "connection_class"):
        options.pop(address_only, None)
    if settings.redis_url.startswith("rediss://"):
        options["connection_class"] = SentinelManagedSSLConnection
    sentinels = []
    for entry in settings.redis_sentinels:
        host, _, port = entry.rpartition(":")
        sentinels.append((host or entry, int(port or 26379)))
    sentinel = Sentinel(  # type: ignore[no-untyped-call, unused-ignore]  # redis-py < 8.2
        sentinels, sentinel_kwargs=_shared(settings), **_shared(settings)
    )
    master: Redis = sentinel.master_for(settings.redis_sentinel_master, **options)
    return master
