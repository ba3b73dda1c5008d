"""HTTP routes. Add your own routers to `ROUTERS`: the app factory includes every one of them,
and template updates leave this file alone."""

from fastapi import APIRouter

from . import health, items

ROUTERS: list[APIRouter] = [health.router, items.router]
