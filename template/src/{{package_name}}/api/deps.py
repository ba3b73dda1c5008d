"""Request dependencies: cheap look-ups of what the lifespan created, never per-request set-up.
They are `async def` because FastAPI runs plain `def` dependencies in its thread pool."""

from typing import Annotated

from fastapi import Depends, Request

from ..db import Database


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
