"""What every resource answers, checked once for all of them. A resource's test module names its
path and how to make a valid body, and inherits the checks:

    class TestOrders(ResourceContract):
        path = "/api/v1/orders"

        async def valid_body(self, client: AsyncClient) -> dict[str, Any]:
            item = await create(client)
            return {"item_id": item["id"], "quantity": 2}

Checked: a row created reads back the same and pages list it; hostile bodies and a wrong JSON
type in any field are 4xx JSON errors that store nothing; a change is seen by the next read
(the cache, when there is one, is invalidated); a missing row is 404 on every operation;
out-of-range paging is 422; a database that cannot be reached is 503 with `Retry-After`,
bounded; every operation documents what it answers.
"""

import json
from typing import Any, ClassVar

import pytest
from httpx import AsyncClient

from .conftest import ServeApp

MISSING = 2**31 - 1
UNREACHABLE_DATABASE = "postgresql://service@127.0.0.1:9/nothing"
"""Port 9 (discard) has no server on loopback: connecting is refused at once."""

HOSTILE_BODIES = {
    "nan-literal": b'{"a": NaN}',
    "infinity-literal": b'{"a": Infinity}',
    "huge-integer": b'{"a": ' + b"9" * 5000 + b"}",
    "lone-surrogate-in-a-key": b'{"\\udfff": 1}',
    "not-an-object": b"[1, 2, 3]",
    "deeply-nested": b"[" * 50_000 + b"]" * 50_000,
    "not-json": b"\xff\xfe not json",
}


def short_json_error(response: Any, *, limit: int = 2000) -> dict[str, Any]:
    """The error body, once checked: a 4xx, JSON (strict: no NaN, valid UTF-8), short."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    assert len(response.content) < limit
    body: dict[str, Any] = json.loads(response.content)
    assert "detail" in body
    return body


def wrong_types(value: Any) -> list[Any]:
    """JSON values of another type than `value`'s that a strict schema refuses."""
    if isinstance(value, bool):
        return [1, "true"]
    if isinstance(value, int | float):
        return [True, str(value)] if isinstance(value, int) else [True]
    if isinstance(value, str):
        return [1, True]
    return [[value]]


class ResourceContract:
    path: ClassVar[str]

    async def valid_body(self, client: AsyncClient) -> dict[str, Any]:
        """A body that creates a row (making what it refers to first)."""
        raise NotImplementedError

    async def _total(self, client: AsyncClient) -> int:
        total: int = (await client.get(self.path, params={"limit": 1})).json()["total"]
        return total

    async def test_a_created_row_reads_back_the_same_and_is_listed(
        self, client: AsyncClient
    ) -> None:
        body = await self.valid_body(client)
        created = await client.post(self.path, json=body)
        read = await client.get(f"{self.path}/{created.json()['id']}")
        listed = await client.get(self.path, params={"limit": 100, "offset": 0})

        assert created.status_code == 201, created.text
        assert read.status_code == 200
        assert {field: read.json()[field] for field in [*body, "id"]} == {
            field: created.json()[field] for field in [*body, "id"]
        }
        assert listed.json()["total"] >= 1

    async def test_hostile_bodies_are_short_json_errors_and_store_nothing(
        self, client: AsyncClient
    ) -> None:
        before = await self._total(client)
        for name, body in HOSTILE_BODIES.items():
            response = await client.post(
                self.path, content=body, headers={"content-type": "application/json"}
            )
            assert 400 <= response.status_code < 500, name
            short_json_error(response)
        assert await self._total(client) == before

    async def test_a_wrong_json_type_in_any_field_is_422_naming_it(
        self, client: AsyncClient
    ) -> None:
        valid = await self.valid_body(client)
        before = await self._total(client)
        for field, value in valid.items():
            for wrong in wrong_types(value):
                response = await client.post(self.path, json={**valid, field: wrong})
                assert response.status_code == 422, (field, wrong, response.text[:300])
                locations = [issue["loc"] for issue in short_json_error(response)["detail"]]
                assert ["body", field] in locations, (field, wrong, locations)
        assert await self._total(client) == before

    async def test_an_unknown_field_is_422(self, client: AsyncClient) -> None:
        response = await client.post(
            self.path, json={**await self.valid_body(client), "unexpected": 1}
        )

        assert response.status_code == 422

    async def test_a_change_is_seen_by_the_next_read(self, client: AsyncClient) -> None:
        """A second valid body is a valid change. The read before it fills the cache, when there
        is one; the read after it must not be served the old answer."""
        created = await client.post(self.path, json=await self.valid_body(client))
        row = f"{self.path}/{created.json()['id']}"
        before = await client.get(row)
        changes = await self.valid_body(client)
        patched = await client.patch(row, json=changes)
        after = await client.get(row)

        assert (before.status_code, patched.status_code) == (200, 200), patched.text
        fields = [*changes, "id"]  # not what background work may change meanwhile
        assert {f: after.json()[f] for f in fields} == {f: patched.json()[f] for f in fields}
        if all(before.json()[f] == patched.json()[f] for f in fields):
            pytest.skip("two valid bodies of this resource are equal: no change to see")

    async def test_a_missing_row_is_404_on_every_operation(self, client: AsyncClient) -> None:
        row = f"{self.path}/{MISSING}"

        answers = [
            await client.get(row),
            await client.patch(row, json={}),
            await client.delete(row),
        ]

        assert [answer.status_code for answer in answers] == [404, 404, 404]
        assert all(short_json_error(answer)["detail"] for answer in answers)

    async def test_out_of_range_paging_is_422(self, client: AsyncClient) -> None:
        for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "all"}):
            assert (await client.get(self.path, params=params)).status_code == 422, params

    async def test_an_unreachable_database_is_503_with_retry_after(
        self, client: AsyncClient, serve_app: ServeApp
    ) -> None:
        body = await self.valid_body(client)
        async with serve_app(database_url=UNREACHABLE_DATABASE) as (_, cut_off):
            answers = [
                await cut_off.post(self.path, json=body),
                await cut_off.get(self.path),
                await cut_off.get(f"{self.path}/{MISSING}"),  # never cached
                await cut_off.delete(f"{self.path}/{MISSING}"),
            ]

        assert [answer.status_code for answer in answers] == [503] * 4
        assert all(answer.headers["retry-after"] for answer in answers)
        assert all("127.0.0.1" not in answer.text for answer in answers)

    async def test_every_operation_documents_its_errors(self, client: AsyncClient) -> None:
        paths = (await client.get("/openapi.json")).json()["paths"]
        operations = {
            (method, path): operation
            for path, methods in paths.items()
            if path == self.path or path.startswith(f"{self.path}/")
            for method, operation in methods.items()
        }

        assert operations
        for (method, path), operation in operations.items():
            documented = set(operation["responses"])
            assert {"422", "503"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)
