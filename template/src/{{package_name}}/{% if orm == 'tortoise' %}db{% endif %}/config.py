"""Tortoise's configuration, built from the service's settings."""

from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from ..settings import Settings

APP = "models"
PACKAGE = __package__.rpartition(".")[0]
MODEL_MODULES = [f"{PACKAGE}.resources.models", "aerich.models"]
"""Every resource's models are imported in `resources/models.py`."""


def tortoise_url(database_url: str) -> str:
    """Accept the common URL spellings: `sqlite:///relative.db`, `sqlite:////absolute.db`,
    `postgres://`, `postgresql://` (Tortoise itself wants `sqlite://relative.db`, `asyncpg://`)."""
    scheme, _, rest = database_url.partition("://")
    match scheme:
        case "sqlite" | "sqlite+aiosqlite":
            return f"sqlite://{rest.removeprefix('/')}"
        case "postgres" | "postgresql" | "postgresql+asyncpg" | "asyncpg":
            return f"asyncpg://{rest}"
        case _:
            return database_url


async def _nothing_to_reset(connection: Any) -> None:
    """asyncpg resets each connection it gets back (`RESET ALL`, `UNLISTEN *`, ...): one more
    round trip per request. The service changes no session state, so there is nothing to reset
    (measured with bench/). Remove `reset` below if your code uses SET, LISTEN or advisory locks."""


def tortoise_config(settings: Settings) -> dict[str, Any]:
    connection = expand_db_url(tortoise_url(settings.database_url))
    seconds = settings.database_timeout_seconds
    if connection["engine"] == "tortoise.backends.asyncpg":
        connection["credentials"].update(
            # Opened all at once on first use, so that a load never opens connections.
            minsize=settings.database_pool_size,
            maxsize=settings.database_pool_size,
            timeout=seconds,  # connecting
            command_timeout=seconds,  # any statement, on the client: it then cancels it
            application_name=settings.app_name,
            reset=_nothing_to_reset,
        )
        if settings.database_pooler == "pgbouncer":
            # Each transaction may run on another server connection, which never saw a
            # statement asyncpg prepared under a name; PgBouncer refuses `statement_timeout`
            # as a startup parameter (the client's timeout cancels the statement instead).
            connection["credentials"]["statement_cache_size"] = 0
        else:  # the server gives up as well
            connection["credentials"]["server_settings"] = {
                "statement_timeout": str(int(seconds * 1000))
            }
    return {
        "connections": {"default": connection},
        "apps": {APP: {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
