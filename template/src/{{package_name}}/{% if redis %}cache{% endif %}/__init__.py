"""Redis as a cache that fails open: declared responses are served from it (see
`cache_policy`), committed writes invalidate them, and when Redis is down or slow the service
answers from the database."""

from typing import TYPE_CHECKING

from ..readiness import ReadinessCheck
from .client import Cache

if TYPE_CHECKING:
    from ..runtime import Runtime

__all__ = ["Cache", "install"]


def install(runtime: "Runtime") -> None:
    """The cache's one seam: it stores the declared answers, every committed change
    invalidates them, readiness reports Redis (degraded, never unready), and it opens and
    closes with the process."""
    store = Cache.from_settings(runtime.settings)
    runtime.response_cache = store
    runtime.database.after_commit.subscribe(store.invalidate)
    runtime.readiness_checks.append(ReadinessCheck("redis", store.ping, critical=False))
    runtime.on_open.append(store.start)
    runtime.on_close.append(store.close)
