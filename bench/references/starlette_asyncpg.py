"""Starlette over a raw asyncpg pool, no FastAPI and no pydantic: one `fetchrow` per read and the
row written as JSON by hand. The floor of a Python service's database read on this machine."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .items_pool import READ, pool_lifespan


async def read_item(request: Request) -> JSONResponse:
    try:
        item_id = int(request.path_params["item_id"])
    except ValueError:
        return JSONResponse({"detail": "not an id"}, 422)
    row = await request.app.state.pool.fetchrow(READ, item_id)
    if row is None:
        return JSONResponse({"detail": "not found"}, 404)
    processed = row["processed_at"]
    return JSONResponse(
        {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "price": float(row["price"]),
            "created_at": row["created_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
            "processed_at": processed.isoformat() if processed else None,
        }
    )


app = Starlette(routes=[Route("/api/v1/items/{item_id}", read_item)], lifespan=pool_lifespan)
