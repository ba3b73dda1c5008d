"""Request dependencies: cheap look-ups of what the lifespan created, never per-request set-up."""

from typing import Annotated

from fastapi import Depends, Request

from ..db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
