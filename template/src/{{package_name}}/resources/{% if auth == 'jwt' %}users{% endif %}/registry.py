"""The users resource's routers and jobs, which the app factory (and the workers) take before
the team's: they are registered here, outside the team's `resources/routers.py` and
`resources/jobs.py`, as its models (`models.py` here) are read by the migrations beside the
team's `resources/models.py`."""

from fastapi import APIRouter

from ...jobs.processing import Job
from . import api_keys, password_reset, sessions
from . import router as users
from .jobs import SEND_PASSWORD_RESET

ROUTERS: list[APIRouter] = [sessions.router, password_reset.router, users.router, api_keys.router]
JOBS: list[Job] = [SEND_PASSWORD_RESET]
