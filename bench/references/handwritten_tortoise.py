"""Tortoise ORM written by hand from its FastAPI guide: `RegisterTortoise` in the lifespan,
`get_or_none`, and a POST that schedules the same background update as the rendered service."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import BackgroundTasks, FastAPI, HTTPException
from tortoise import fields
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.models import Model

from .publish import schedule
from .shapes import ItemIn, ItemOut, ItemPage


class Item(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    description = fields.TextField(null=True)
    price = fields.DecimalField(max_digits=10, decimal_places=2)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "items"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"].replace("postgresql://", "asyncpg://", 1)
    async with RegisterTortoise(
        app, db_url=url, modules={"models": [__name__]}, use_tz=True, timezone="UTC"
    ):
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/api/v1/items/{item_id}")
async def read_item(item_id: int) -> ItemOut:
    item = await Item.get_or_none(id=item_id)
    if item is None:
        raise HTTPException(404, "not found")
    return ItemOut.model_validate(item)


@app.get("/api/v1/items")
async def list_items(limit: int = 20, offset: int = 0) -> ItemPage:
    rows = await Item.all().order_by("id").offset(offset).limit(limit)
    total = await Item.all().count()
    items = [ItemOut.model_validate(row) for row in rows]
    return ItemPage(items=items, total=total, limit=limit, offset=offset)


async def mark_processed(item_id: int) -> None:
    now = datetime.now(UTC)
    await Item.filter(id=item_id).update(processed_at=now, updated_at=now)


@app.post("/api/v1/items", status_code=201)
async def create_item(payload: ItemIn, background: BackgroundTasks) -> ItemOut:
    item = await Item.create(**payload.model_dump())
    schedule(background, mark_processed, item.id)
    return ItemOut.model_validate(item)
