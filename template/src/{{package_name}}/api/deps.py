"""Request dependencies, the one module a resource imports them from: cheap look-ups of what the
lifespan created, never per-request set-up. They are `async def` because FastAPI runs plain
`def` dependencies in its thread pool. `JobsDep` is defined by the background-work option's
`jobs` package (it differs per option) and handed on from here."""

from typing import Annotated

from fastapi import Depends, Request

from ..db import Database
from ..jobs import JobsDep

__all__ = ["DatabaseDep", "JobsDep", "get_database"]


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
