"""The SQLAlchemy 2 (async) data layer: models, repository, engine and Alembic migrations."""

from .database import Database

__all__ = ["Database"]
