"""Every error is a JSON body in FastAPI's shape, `{"detail": ...}`, never a plain-text 500, and
the OpenAPI document lists each status an operation can return with that body.

A 422 says what is wrong without echoing the request back: at most a short excerpt of each
offending value, none of a secret's (a password), and never a value that would not survive JSON
or UTF-8 (NaN, infinities, lone surrogates), which used to turn a client's mistake into a 500.
"""

import logging
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..db.data import ConflictError, DatabaseUnavailable, InvalidData, PreconditionFailed

logger = logging.getLogger(__name__)

EXCERPT_CHARACTERS = 40
SECRET_NAMES = ("password", "secret", "token", "key")
"""A value given for a field whose name has one of these is never excerpted: 422 bodies end up
in logs, proxies and the screens of people who are not its owner."""


class ErrorBody(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int]
    msg: str
    input: str | int | float | bool | None = None
    """A short excerpt of the offending value; absent for objects and arrays."""


class ValidationErrorBody(BaseModel):
    detail: list[ValidationIssue]


_DESCRIPTIONS = {
    400: "The request body could not be read",
    401: "Credentials are missing or not valid",
    403: "The credentials do not allow this operation",
    412: "The row is no longer the version `If-Match` names: read it again",
    413: "The request body is larger than MAX_REQUEST_BODY_BYTES",
    422: "The request is malformed: `detail` says which part and why",
    429: "Too many requests; try again after `Retry-After`",
    503: "A dependency is down or did not answer in time; try again after `Retry-After`",
}


def error_responses(
    *codes: int, resource: str | None = None, meaning: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors an operation can answer with. Any status may be named.
    `resource` words them for one row of it (`"order"`: "No such order"); `meaning` says what a
    status means for this operation; the rest have the service's wording, else HTTP's."""
    worded = dict(_DESCRIPTIONS)
    if resource is not None:
        worded[404] = f"No such {resource}"
        worded[409] = f"The {resource} conflicts with another, or other rows still refer to it"
    worded.update(meaning or {})
    return {
        code: {
            "model": ValidationErrorBody if code == 422 else ErrorBody,
            "description": worded.get(code) or HTTPStatus(code).phrase,
        }
        for code in codes
    }


def _text(value: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """Valid UTF-8 (a lone surrogate becomes `?`), cut to `limit` characters."""
    clean = value.encode("utf-8", "replace").decode("utf-8")
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _excerpt(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else _text(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str | bytes):
        return _text(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    return None  # an object or an array: the location says which one


def _names_a_secret(location: Sequence[Any]) -> bool:
    return any(
        isinstance(part, str) and any(name in part.lower() for name in SECRET_NAMES)
        for part in location
    )


def validation_issues(errors: Sequence[Any]) -> list[dict[str, Any]]:
    issues = []
    for error in errors:
        issue: dict[str, Any] = {
            "type": str(error.get("type", "value_error")),
            "loc": [part if isinstance(part, int) else _text(str(part)) for part in error["loc"]],
            "msg": _text(str(error.get("msg", "")), limit=300),
        }
        excerpt = None if _names_a_secret(error["loc"]) else _excerpt(error.get("input"))
        if excerpt is not None:
            issue["input"] = excerpt
        issues.append(issue)
    return issues


async def _invalid_request(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    body = {"detail": validation_issues(error.errors())}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _invalid_data(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidData)
    location = ["body", error.field] if error.field else ["body"]
    body = {"detail": [{"type": error.kind, "loc": location, "msg": str(error)}]}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _conflict(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=status.HTTP_409_CONFLICT)


async def _precondition_failed(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=status.HTTP_412_PRECONDITION_FAILED)


def unavailable_response(detail: str, retry_after_seconds: int) -> JSONResponse:
    return JSONResponse(
        {"detail": detail},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(retry_after_seconds)},
    )


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("%s %s: %s", request.method, request.url.path, error)
    return unavailable_response(str(error), request.app.state.settings.retry_after_seconds)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # Logged with its stack by the server; the client learns nothing about the internals.
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(InvalidData, _invalid_data)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(PreconditionFailed, _precondition_failed)
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
