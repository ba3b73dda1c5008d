"""Every resource's router, in one place the app factory includes. A new resource adds an
import and an entry, one line each."""

from fastapi import APIRouter

from .items import router as items

ROUTERS: list[APIRouter] = [
    items.router,
]
