"""Orders: a resource added by hand, with what items have: strict input, integrity errors as
409 and 422, and its answers cached and invalidated when the service has a cache."""

from typing import Any

import pytest
from httpx import AsyncClient

from .items_api import API as ITEMS
from .items_api import create as create_item

ORDERS = "/api/v1/orders"


async def _order(client: AsyncClient, **fields: Any) -> dict[str, Any]:
    item = await create_item(client)
    response = await client.post(ORDERS, json={"item_id": item["id"], "quantity": 2, **fields})
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def test_an_order_is_stored_and_read_back(client: AsyncClient) -> None:
    order = await _order(client)
    read = await client.get(f"{ORDERS}/{order['id']}")
    listed = await client.get(ORDERS, params={"limit": 100})

    assert read.status_code == 200
    assert read.json() == order
    assert order["status"] == "open"
    assert listed.json()["total"] >= 1


async def test_an_order_of_a_missing_item_is_422_naming_the_field(client: AsyncClient) -> None:
    response = await client.post(ORDERS, json={"item_id": 2**31 - 1, "quantity": 1})

    assert response.status_code == 422
    [issue] = response.json()["detail"]
    assert issue["loc"] == ["body", "item_id"]
    assert issue["type"] == "foreign_key"


async def test_an_ordered_item_is_not_deleted_until_its_orders_are(client: AsyncClient) -> None:
    order = await _order(client)

    refused = await client.delete(f"{ITEMS}/{order['item_id']}")
    order_deleted = await client.delete(f"{ORDERS}/{order['id']}")
    item_deleted = await client.delete(f"{ITEMS}/{order['item_id']}")

    assert refused.status_code == 409
    assert "still referenced" in refused.json()["detail"]
    assert (order_deleted.status_code, item_deleted.status_code) == (204, 204)


async def test_patch_changes_only_the_given_fields(client: AsyncClient) -> None:
    order = await _order(client)
    await client.get(f"{ORDERS}/{order['id']}")  # cached, when the service has a cache

    patched = await client.patch(f"{ORDERS}/{order['id']}", json={"status": "shipped"})
    read = await client.get(f"{ORDERS}/{order['id']}")

    assert patched.status_code == 200
    assert read.json() == {**order, "status": "shipped"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"quantity": True}, id="true-for-a-number"),
        pytest.param({"quantity": "2"}, id="text-for-a-number"),
        pytest.param({"quantity": 0}, id="below-the-bound"),
        pytest.param({"status": "lost"}, id="not-a-status"),
        pytest.param({"status": 1}, id="number-for-text"),
        pytest.param({"colour": "red"}, id="unknown-field"),
    ],
)
async def test_bad_input_is_422(client: AsyncClient, body: dict[str, Any]) -> None:
    item = await create_item(client)
    response = await client.post(ORDERS, json={"item_id": item["id"], "quantity": 1, **body})

    assert response.status_code == 422


async def test_a_missing_order_is_404(client: AsyncClient) -> None:
    assert (await client.get(f"{ORDERS}/{2**31 - 1}")).status_code == 404
    assert (await client.delete(f"{ORDERS}/{2**31 - 1}")).status_code == 404
