"""The raw asyncpg references' pool and their one read: the same for FastAPI and Starlette."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette

READ = (
    "SELECT id, name, description, price, created_at, updated_at, processed_at "
    "FROM items WHERE id = $1"
)


@asynccontextmanager
async def pool_lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=20, max_size=20)
    yield
    await app.state.pool.close()
