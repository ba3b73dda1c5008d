"""FastAPI over a raw asyncpg pool, one `fetchrow` per read: the fastest database read there is,
the floor the rendered read path is measured against."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException, Request

from .shapes import ItemOut

QUERY = "SELECT id, name, description, price, created_at, processed_at FROM items WHERE id = $1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=20, max_size=20)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/api/v1/items/{item_id}")
async def read_item(item_id: int, request: Request) -> ItemOut:
    row = await request.app.state.pool.fetchrow(QUERY, item_id)
    if row is None:
        raise HTTPException(404, "not found")
    return ItemOut.model_validate(dict(row))
