"""The SQLAlchemy tutorial pattern: an `AsyncSession` from a yield dependency, the engine's
default pool, `select(...).scalar_one_or_none()`, and a POST that schedules the same background
update as the rendered service."""

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException
from sqlalchemy import DateTime, Numeric, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .publish import schedule
from .shapes import ItemIn, ItemOut, ItemPage

engine = create_async_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI()


@app.get("/api/v1/items/{item_id}", response_model=ItemOut)
async def read_item(item_id: int, session: Session) -> Item:
    item = (await session.execute(select(Item).where(Item.id == item_id))).scalar_one_or_none()
    if item is None:
        raise HTTPException(404, "not found")
    return item


@app.get("/api/v1/items")
async def list_items(session: Session, limit: int = 20, offset: int = 0) -> ItemPage:
    rows = await session.scalars(select(Item).order_by(Item.id).limit(limit).offset(offset))
    total = await session.scalar(select(func.count()).select_from(Item))
    items = [ItemOut.model_validate(row) for row in rows]
    return ItemPage(items=items, total=total or 0, limit=limit, offset=offset)


async def mark_processed(item_id: int) -> None:
    async with SessionLocal() as session:
        now = datetime.now(UTC)
        changed = {"processed_at": now, "updated_at": now}
        await session.execute(update(Item).where(Item.id == item_id).values(changed))
        await session.commit()


@app.post("/api/v1/items", status_code=201, response_model=ItemOut)
async def create_item(payload: ItemIn, background: BackgroundTasks, session: Session) -> Item:
    now = datetime.now(UTC)
    item = Item(**payload.model_dump(), created_at=now, updated_at=now)
    session.add(item)
    await session.commit()
    schedule(background, mark_processed, item.id)
    return item
