"""Tortoise's configuration, built from the service's settings."""

from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from ..settings import Settings

APP = "models"
MODEL_MODULES = [f"{__package__}.models", "aerich.models"]


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


def tortoise_config(settings: Settings) -> dict[str, Any]:
    connection = expand_db_url(tortoise_url(settings.database_url))
    seconds = settings.database_timeout_seconds
    if connection["engine"] == "tortoise.backends.asyncpg":
        connection["credentials"].update(
            minsize=1,
            maxsize=settings.database_pool_size,
            timeout=seconds,  # connecting
            command_timeout=seconds,  # any statement, on the client: a stalled network
            server_settings={"statement_timeout": str(int(seconds * 1000))},
            application_name=settings.app_name,
        )
    return {
        "connections": {"default": connection},
        "apps": {APP: {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
