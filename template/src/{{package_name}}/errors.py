"""Domain errors become 4xx answers with a JSON body saying what is wrong, never a 500."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from .repository import ConflictError


async def _conflict(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=status.HTTP_409_CONFLICT)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ConflictError, _conflict)
