"""Conditional requests (RFC 9110): every read of a resource's route answers an `ETag`, the
version of what it answers (see `db.versions`); `If-None-Match` with a current one answers 304
without a body, also when the answer came from the cache. A change or delete sent with
`If-Match` happens only if the row is still a version named there, else 412 and nothing
changes: the check and the write are one transaction, so of two clients that read the same
version and write, one wins and the other learns it lost.

    async def update_order(order_id: OrderId, ..., if_match: IfMatch) -> OrderRead:
        async with database.transaction() as unit:
            changed = await OrderRepository(unit).update(order_id, payload, expected=if_match)
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, status
from fastapi.routing import APIRoute

from ..db.versions import version

NOT_MODIFIED = {"description": "Not modified: the `If-None-Match` ETag is the current one"}


def entity_tags(header: str) -> tuple[frozenset[str], frozenset[str]]:
    """The strong and the weak (`W/"..."`) tags of an `If-Match` or `If-None-Match` value,
    unquoted; `*` is a strong tag."""
    strong, weak = set(), set()
    for part in header.split(","):
        tag = part.strip()
        if tag == "*":
            strong.add(tag)
        elif tag.startswith('W/"') and tag.endswith('"') and len(tag) >= 4:
            weak.add(tag[3:-1])
        elif tag.startswith('"') and tag.endswith('"') and len(tag) >= 2:
            strong.add(tag[1:-1])
    return frozenset(strong), frozenset(weak)


async def if_match(
    if_match: Annotated[
        str | None,
        Header(
            description="The `ETag` of the row as the client last read it (or `*`): the "
            "change is made only if the row is still that version, else 412.",
            max_length=1000,
        ),
    ] = None,
) -> frozenset[str] | None:
    """The versions an `If-Match` names; `None` without one. A weak tag never matches a write
    (`If-Match` compares strongly), and a value naming none matches nothing."""
    return None if if_match is None else entity_tags(if_match)[0]


IfMatch = Annotated[frozenset[str] | None, Depends(if_match)]


class ConditionalRoute(APIRoute):
    """A route whose 200 reads answer an `ETag`, and 304 to an `If-None-Match` naming it."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if "GET" in (options.get("methods") or ()):
            options["responses"] = {304: NOT_MODIFIED, **(options.get("responses") or {})}
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "GET" not in (self.methods or ()):
            return handler

        async def answer(request: Request) -> Response:
            response = await handler(request)
            body = getattr(response, "body", None)  # a stream has none: it has no version
            if response.status_code != status.HTTP_200_OK or not isinstance(body, bytes):
                return response
            tag = f'"{version(body)}"'
            response.headers["ETag"] = tag
            asked = request.headers.get("if-none-match")
            if asked is not None:
                strong, weak = entity_tags(asked)  # compared weakly: W/"x" matches "x"
                if "*" in strong or tag[1:-1] in strong | weak:
                    kept = {"ETag": tag}
                    if "x-cache" in response.headers:
                        kept["X-Cache"] = response.headers["x-cache"]
                    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=kept)
            return response

        return answer
