"""Orders: what every resource answers (the kit), and what is theirs: a reference to items."""

from typing import Any

from httpx import AsyncClient

from .items_api import API as ITEMS
from .items_api import create as create_item
from .resource_kit import ResourceContract

ORDERS = "/api/v1/orders"


class TestOrders(ResourceContract):
    path = ORDERS

    async def valid_body(self, client: AsyncClient) -> dict[str, Any]:
        item = await create_item(client)
        return {"item_id": item["id"], "quantity": 2, "status": "open"}


async def test_an_order_of_a_missing_item_is_422_naming_the_field(client: AsyncClient) -> None:
    response = await client.post(ORDERS, json={"item_id": 2**31 - 1, "quantity": 1})

    assert response.status_code == 422
    [issue] = response.json()["detail"]
    assert (issue["loc"], issue["type"]) == (["body", "item_id"], "foreign_key")


async def test_an_ordered_item_is_not_deleted_until_its_orders_are(client: AsyncClient) -> None:
    item = await create_item(client)
    order = (await client.post(ORDERS, json={"item_id": item["id"], "quantity": 2})).json()

    refused = await client.delete(f"{ITEMS}/{item['id']}")
    order_deleted = await client.delete(f"{ORDERS}/{order['id']}")
    item_deleted = await client.delete(f"{ITEMS}/{item['id']}")

    assert refused.status_code == 409
    assert "still referenced" in refused.json()["detail"]
    assert (order_deleted.status_code, item_deleted.status_code) == (204, 204)


async def test_a_change_is_seen_by_the_next_read(client: AsyncClient) -> None:
    item = await create_item(client)
    order = (await client.post(ORDERS, json={"item_id": item["id"], "quantity": 2})).json()
    await client.get(f"{ORDERS}/{order['id']}")  # cached, when the service has a cache

    patched = await client.patch(f"{ORDERS}/{order['id']}", json={"status": "shipped"})
    read = await client.get(f"{ORDERS}/{order['id']}")

    assert patched.status_code == 200
    assert read.json() == {**order, "status": "shipped"}
