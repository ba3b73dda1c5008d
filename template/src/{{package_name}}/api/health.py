"""Liveness and readiness. Readiness asks every dependency the runtime registered, in parallel
and each with a time limit, so one hung dependency cannot hang the probe; its errors name the
dependency and a short reason, never an address."""

import asyncio
import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..db.unavailable import unavailable_reason
from .readiness import ReadinessCheck

router = APIRouter(prefix="/health", tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class CheckResult(BaseModel):
    status: Literal["ok", "degraded", "down"]
    latency_ms: float
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    checks: dict[str, CheckResult]


@router.get("/live")
async def live() -> Liveness:
    """200 while the process can answer; asks no dependency. Probed every few seconds, so the
    service answers it before routing (`middleware.LiveProbe`); this route documents it."""
    return Liveness()


async def _run(check: ReadinessCheck, seconds: float) -> CheckResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            await check.probe()
    except Exception as error:  # any failure of the probe means "not ready", whatever its type
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        reason = unavailable_reason(error) or type(error).__name__
        if isinstance(error, TimeoutError):
            reason = f"no answer within {seconds:g} s"
        status = "down" if check.critical else "degraded"
        return CheckResult(status=status, latency_ms=latency_ms, error=reason)
    return CheckResult(status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2))


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def ready(request: Request) -> JSONResponse:
    """200 when every critical dependency answers (`degraded` when an optional one does not);
    503 naming the one that is down."""
    checks: list[ReadinessCheck] = request.app.state.readiness_checks
    seconds: float = request.app.state.settings.readiness_timeout_seconds
    results = await asyncio.gather(*(_run(check, seconds) for check in checks))
    by_name = {check.name: result for check, result in zip(checks, results, strict=True)}
    if any(result.status == "down" for result in results):
        overall, code = "unavailable", 503
    elif any(result.status == "degraded" for result in results):
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    body = Readiness(status=overall, checks=by_name)
    retry_after = str(request.app.state.settings.retry_after_seconds)
    headers = {"Retry-After": retry_after} if code == 503 else None
    return JSONResponse(body.model_dump(mode="json"), status_code=code, headers=headers)
