"""Helpers for tests that go through the items API."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

API = "/api/v1/items"


def unique_name(prefix: str = "item") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def create(client: AsyncClient, **fields: Any) -> dict[str, Any]:
    payload = {"name": unique_name(), "price": 9.99, **fields}
    response = await client.post(API, json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_until_processed(client: AsyncClient, item_id: int, seconds: float = 10.0) -> str:
    """Poll (bounded) until the item's background job has set `processed_at`."""
    async with asyncio.timeout(seconds):
        while True:
            response = await client.get(f"{API}/{item_id}")
            processed_at: str | None = response.json()["processed_at"]
            if processed_at is not None:
                return processed_at
            await asyncio.sleep(0.05)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client for `app` with its lifespan running, for tests that need their own settings."""
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client
