"""The platform's own HTTP routes (health); the resources' routes are in `resources`."""

from fastapi import APIRouter

from . import health

ROUTERS: list[APIRouter] = [health.router]
