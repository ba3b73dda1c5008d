"""Hostile and malformed input: every one is a 4xx with a short JSON body, never a 500, and
nothing of it is stored."""

from typing import Any

import pytest
from httpx import AsyncClient

from .conftest import ServeApp
from .items_api import API, create, unique_name
from .resource_kit import short_json_error

HOSTILE_BODIES = {
    "nan-literal": b'{"name": "x", "price": NaN}',
    "infinity-literal": b'{"name": "x", "price": Infinity}',
    "minus-infinity-literal": b'{"name": "x", "price": -Infinity}',
    "number-overflowing-to-infinity": b'{"name": "x", "price": 1e400}',
    "huge-integer": b'{"name": "x", "price": ' + b"9" * 5000 + b"}",
    "lone-surrogate-in-a-value": b'{"name": "\\ud800", "price": 1}',
    "lone-surrogate-in-a-key": b'{"\\udfff": 1, "name": "x", "price": 1}',
    "price-in-exponent-notation": b'{"name": "x", "price": "1e3"}',
    "price-as-a-boolean": b'{"name": "x", "price": true}',
    "price-with-three-decimals": b'{"name": "x", "price": "1.001"}',
    "negative-price": b'{"name": "x", "price": "-1.00"}',
    "name-of-nothing-but-spaces": b'{"name": "   ", "price": 1}',
    "not-an-object": b"[1, 2, 3]",
    "deeply-nested": b"[" * 50_000 + b"]" * 50_000,
    "not-json": b"\xff\xfe not json",
}


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
async def test_a_hostile_create_is_refused_with_json(client: AsyncClient, body: bytes) -> None:
    before = (await client.get(API, params={"limit": 1})).json()["total"]

    response = await client.post(API, content=body, headers={"content-type": "application/json"})

    short_json_error(response)
    assert (await client.get(API, params={"limit": 1})).json()["total"] == before


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
async def test_a_hostile_update_is_refused_with_json(client: AsyncClient, body: bytes) -> None:
    item = await create(client)

    response = await client.patch(
        f"{API}/{item['id']}", content=body, headers={"content-type": "application/json"}
    )

    short_json_error(response)
    after = (await client.get(f"{API}/{item['id']}")).json()
    assert [after[field] for field in ("name", "description", "price")] == [
        item[field] for field in ("name", "description", "price")
    ]


async def test_a_422_shows_an_excerpt_of_the_input_not_all_of_it(client: AsyncClient) -> None:
    response = await client.post(API, json={"name": "x" * 100_000, "price": 1})

    body = short_json_error(response, limit=1000)
    assert response.status_code == 422
    [issue] = body["detail"]
    assert issue["loc"] == ["body", "name"]
    assert issue["input"].endswith("…")
    assert len(issue["input"]) < 50


async def test_a_missing_field_does_not_echo_the_whole_body(client: AsyncClient) -> None:
    response = await client.post(API, json={"price": 1, "description": "y" * 50_000})

    body = short_json_error(response, limit=1000)
    assert {"type": "missing", "loc": ["body", "name"]}.items() <= body["detail"][0].items()
    assert "input" not in body["detail"][0]


async def test_a_body_over_the_limit_is_413_before_it_is_read(serve_app: ServeApp) -> None:
    async with serve_app(max_request_body_bytes=1000) as (_, client):
        response = await client.post(
            API, json={"name": unique_name(), "price": 1, "description": "z" * 2000}
        )

    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than 1000 bytes"}


async def test_a_streamed_body_over_the_limit_is_413(serve_app: ServeApp) -> None:
    async def chunks() -> Any:
        yield b'{"name": "streamed", "description": "'
        for _ in range(20):
            yield b"z" * 100
        yield b'", "price": 1}'

    async with serve_app(max_request_body_bytes=1000) as (_, client):
        response = await client.post(
            API, content=chunks(), headers={"content-type": "application/json"}
        )

    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    ("price", "stored"),
    [(12.5, 12.5), ("12.50", 12.5), ("7", 7.0), (0, 0.0), ("-0", 0.0), ("-0.00", 0.0), (-0.0, 0.0)],
    ids=["number", "two-decimals-text", "integer-text", "zero", "minus-zero-text",
         "minus-zero-with-decimals", "minus-zero-number"],
)  # fmt: skip
async def test_prices_are_stored_with_two_decimals_and_no_negative_zero(
    client: AsyncClient, price: object, stored: float
) -> None:
    created = await create(client, price=price)

    fetched = await client.get(f"{API}/{created['id']}")

    assert created["price"] == stored
    assert fetched.json()["price"] == stored
    assert '"price":-' not in fetched.text


async def test_text_that_is_not_valid_unicode_is_refused(client: AsyncClient) -> None:
    body = b'{"name": "ok", "description": "bad \\udc80 text", "price": 1}'

    response = await client.post(API, content=body, headers={"content-type": "application/json"})

    issue = short_json_error(response)["detail"][0]
    assert issue["loc"] == ["body", "description"]
    assert "unicode" in issue["msg"].lower()
