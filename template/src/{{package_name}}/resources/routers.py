"""Every resource's router, in one place the app factory includes. A new resource adds an
import and an entry, one line each. This list is the team's: a resource an option brings
(auth's users) registers itself in its own folder (`users/registry.py`)."""

from fastapi import APIRouter

from .items import router as items

ROUTERS: list[APIRouter] = [
    items.router,
]
