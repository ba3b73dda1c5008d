"""Every resource's router, in one place the app factory includes."""

from fastapi import APIRouter

from .items import router as items

ROUTERS: list[APIRouter] = [items.router]
