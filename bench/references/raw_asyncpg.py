"""FastAPI over a raw asyncpg pool, one `fetchrow` per read: the fastest database read there is,
the floor the rendered read path is measured against."""

from fastapi import FastAPI, HTTPException, Request

from .items_pool import READ, pool_lifespan
from .shapes import ItemOut

app = FastAPI(lifespan=pool_lifespan)


@app.get("/api/v1/items/{item_id}")
async def read_item(item_id: int, request: Request) -> ItemOut:
    row = await request.app.state.pool.fetchrow(READ, item_id)
    if row is None:
        raise HTTPException(404, "not found")
    return ItemOut.model_validate(dict(row))
