"""FastAPI's hello world with a response model: what a liveness probe costs in FastAPI."""

from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


app = FastAPI()


@app.get("/health/live")
async def live() -> Liveness:
    return Liveness()
