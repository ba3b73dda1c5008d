"""The Tortoise ORM data layer: models, repository, ORM lifecycle and Aerich migrations."""

from .database import Database

__all__ = ["Database"]
