"""HTTP routes. Add your own routers to `API_V1` (versioned resources) or `ROUTERS` (anything
else): the app factory includes every one of them, and template updates leave this file alone."""

from fastapi import APIRouter

from . import health, items

API_V1 = APIRouter(prefix="/api/v1")
API_V1.include_router(items.router)

ROUTERS: list[APIRouter] = [health.router, API_V1]
