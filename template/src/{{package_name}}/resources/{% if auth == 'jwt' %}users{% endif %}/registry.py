"""The users resource's routers, which the app factory includes before the team's: they are
registered here, outside the team's `resources/routers.py`, as its models (`models.py` here)
are read by the migrations beside the team's `resources/models.py`."""

from fastapi import APIRouter

from . import api_keys, sessions
from . import router as users

ROUTERS: list[APIRouter] = [sessions.router, users.router, api_keys.router]
