"""The items resource, end to end through the real app and database."""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from .items_api import API, create, unique_name, wait_until_processed


async def test_create_returns_the_stored_item(client: AsyncClient) -> None:
    name = unique_name("widget")
    response = await client.post(API, json={"name": name, "description": "blue", "price": "12.50"})

    assert response.status_code == 201
    body = response.json()
    assert body["id"] >= 1
    assert body["name"] == name
    assert body["description"] == "blue"
    assert body["price"] == 12.5
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert body["processing"] == "queued"


async def test_read_after_write_sees_the_new_item(client: AsyncClient) -> None:
    created = await create(client)

    fetched = await client.get(f"{API}/{created['id']}")

    assert fetched.status_code == 200
    assert fetched.json()["name"] == created["name"]


async def test_create_is_committed_before_the_response_is_sent(app: FastAPI) -> None:
    """Looks at the database at the moment the response body leaves the app: a peer that commits
    in a dependency's teardown, after the response, fails here."""
    name = unique_name()
    request_body = json.dumps({"name": name, "price": 1}).encode()
    seen_in_database: list[object] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": request_body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            item_id = json.loads(message["body"])["id"]
            async with app.state.database.reader() as items:
                seen_in_database.append(await items.get(item_id))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": API,
        "raw_path": API.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
        "state": {},
    }
    await app(scope, receive, send)

    assert len(seen_in_database) == 1
    assert seen_in_database[0] is not None


async def test_background_job_sets_processed_at(client: AsyncClient) -> None:
    created = await create(client)

    processed_at = await wait_until_processed(client, created["id"])

    assert processed_at >= created["created_at"]


async def test_list_pages_in_id_order_with_total(client: AsyncClient) -> None:
    before = (await client.get(API, params={"limit": 1})).json()["total"]
    mine = [await create(client) for _ in range(3)]

    first = (await client.get(API, params={"limit": 2, "offset": before})).json()
    second = (await client.get(API, params={"limit": 2, "offset": before + 2})).json()

    assert first["total"] == before + 3
    assert [item["id"] for item in first["items"]] == [mine[0]["id"], mine[1]["id"]]
    assert [item["id"] for item in second["items"]] == [mine[2]["id"]]
    assert (first["limit"], first["offset"]) == (2, before)


@pytest.mark.parametrize("limit", [1, 100])
async def test_list_accepts_limit_bounds(client: AsyncClient, limit: int) -> None:
    response = await client.get(API, params={"limit": limit})

    assert response.status_code == 200
    assert len(response.json()["items"]) <= limit


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"offset": 2**63}],
    ids=["limit-0", "limit-101", "limit-not-a-number", "offset-negative", "offset-huge"],
)
async def test_list_refuses_out_of_range_paging(
    client: AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get(API, params=params)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


async def test_get_missing_item_is_404(client: AsyncClient) -> None:
    response = await client.get(f"{API}/{2**31 - 1}")

    assert response.status_code == 404
    assert response.json() == {"detail": f"item {2**31 - 1} not found"}


@pytest.mark.parametrize("item_id", ["0", "-1", str(2**31), "abc"])
async def test_invalid_item_id_is_422(client: AsyncClient, item_id: str) -> None:
    response = await client.get(f"{API}/{item_id}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": 1}, "name"),
        ({"name": "x"}, "price"),
        ({"name": "", "price": 1}, "name"),
        ({"name": "x" * 201, "price": 1}, "name"),
        ({"name": "nul\x00byte", "price": 1}, "name"),
        ({"name": "x", "price": -1}, "price"),
        ({"name": "x", "price": "1.001"}, "price"),
        ({"name": "x", "price": 10**9}, "price"),
        ({"name": "x", "price": "NaN"}, "price"),
        ({"name": "x", "price": 1, "colour": "red"}, "colour"),
    ],
    ids=[
        "missing-name",
        "missing-price",
        "empty-name",
        "long-name",
        "nul-in-name",
        "negative-price",
        "price-too-precise",
        "price-too-large",
        "price-nan",
        "unknown-field",
    ],
)
async def test_invalid_item_is_422_naming_the_field(
    client: AsyncClient, payload: dict[str, Any], field: str
) -> None:
    response = await client.post(API, json=payload)

    assert response.status_code == 422
    assert field in {str(part) for error in response.json()["detail"] for part in error["loc"]}


async def test_malformed_json_is_422(client: AsyncClient) -> None:
    response = await client.post(
        API, content=b'{"name": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_duplicate_name_is_409(client: AsyncClient) -> None:
    created = await create(client)

    response = await client.post(API, json={"name": created["name"], "price": 2})

    assert response.status_code == 409
    assert created["name"] in response.json()["detail"]


async def test_patch_changes_only_the_given_fields(client: AsyncClient) -> None:
    created = await create(client, description="before")

    response = await client.patch(f"{API}/{created['id']}", json={"price": 3})

    assert response.status_code == 200
    assert response.json()["price"] == 3
    assert response.json()["description"] == "before"
    fetched = (await client.get(f"{API}/{created['id']}")).json()
    assert fetched["price"] == 3
    assert fetched["name"] == created["name"]


async def test_patch_can_clear_the_description(client: AsyncClient) -> None:
    created = await create(client, description="temporary")

    response = await client.patch(f"{API}/{created['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None


@pytest.mark.parametrize("payload", [{"name": None}, {"price": None}, {"price": -5}])
async def test_patch_refuses_invalid_changes(client: AsyncClient, payload: dict[str, Any]) -> None:
    created = await create(client)

    response = await client.patch(f"{API}/{created['id']}", json=payload)

    assert response.status_code == 422
    unchanged = (await client.get(f"{API}/{created['id']}")).json()
    assert unchanged["name"] == created["name"]
    assert unchanged["price"] == created["price"]


async def test_patch_to_a_taken_name_is_409(client: AsyncClient) -> None:
    first, second = await create(client), await create(client)

    response = await client.patch(f"{API}/{second['id']}", json={"name": first["name"]})

    assert response.status_code == 409
    assert (await client.get(f"{API}/{second['id']}")).json()["name"] == second["name"]


async def test_patch_missing_item_is_404(client: AsyncClient) -> None:
    response = await client.patch(f"{API}/{2**31 - 1}", json={"price": 1})

    assert response.status_code == 404


async def test_delete_removes_the_item(client: AsyncClient) -> None:
    created = await create(client)

    deleted = await client.delete(f"{API}/{created['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(f"{API}/{created['id']}")).status_code == 404
    assert (await client.delete(f"{API}/{created['id']}")).status_code == 404
