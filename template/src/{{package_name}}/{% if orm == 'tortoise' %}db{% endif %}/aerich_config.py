"""Read by the `aerich` command line (`[tool.aerich]` in pyproject.toml)."""

from ..settings import Settings
from .config import tortoise_config

TORTOISE_ORM = tortoise_config(Settings())
