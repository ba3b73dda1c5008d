"""Redis as a cache that fails open: declared responses are served from it (see
`cache_policy`), committed writes invalidate them, and when Redis is down or slow the service
answers from the database."""

from .client import Cache

__all__ = ["Cache"]
