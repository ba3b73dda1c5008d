"""The OpenAPI document is what the server does: every status an operation can answer with,
with its body's schema, and request schemas that publish what the server enforces."""

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from .conftest import ServeApp

ITEM = "/api/v1/items/{item_id}"
STATUSES = {
    ("post", "/api/v1/items"): {"201", "400", "409", "413", "422", "503"},
    ("get", "/api/v1/items"): {"200", "422", "503"},
    ("get", ITEM): {"200", "404", "422", "503"},
    ("patch", ITEM): {"200", "400", "404", "409", "413", "422", "503"},
    ("delete", ITEM): {"204", "404", "422", "503"},
    ("post", ITEM + "/process"): {"202", "404", "422", "503"},
    ("get", "/health/live"): {"200"},
    ("get", "/health/ready"): {"200", "503"},
}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.mark.parametrize(("method", "path"), list(STATUSES), ids=[f"{m} {p}" for m, p in STATUSES])
def test_every_status_an_operation_answers_is_documented(
    document: dict[str, Any], method: str, path: str
) -> None:
    operation = document["paths"][path][method]

    assert set(operation["responses"]) == STATUSES[(method, path)]
    assert operation.get("description") or path.startswith("/health")


def test_error_answers_document_the_detail_body(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")) or path.startswith("/health"):
                    continue
                schema = resolve(document, response["content"]["application/json"]["schema"])
                assert "detail" in schema["properties"], (method, path, status)
                assert schema["required"] == ["detail"]


def test_price_is_published_as_a_bounded_number_or_decimal_text(document: dict[str, Any]) -> None:
    price = document["components"]["schemas"]["ItemCreate"]["properties"]["price"]

    number, text = price["anyOf"]
    assert number == {"type": "number", "minimum": 0, "maximum": 99999999.99, "multipleOf": 0.01}
    assert text["type"] == "string"
    assert text["pattern"]


def test_update_fields_are_optional_but_name_and_price_are_not_nullable(
    document: dict[str, Any],
) -> None:
    schema = document["components"]["schemas"]["ItemUpdate"]

    assert "required" not in schema
    assert schema["properties"]["name"]["type"] == "string"
    assert {"type": "null"} in schema["properties"]["description"]["anyOf"]
    assert "null" not in str(schema["properties"]["price"])
    assert schema["additionalProperties"] is False


async def test_docs_and_the_document_can_be_turned_off(serve_app: ServeApp) -> None:
    async with serve_app(docs_url="", openapi_url="") as (_, client):
        docs = await client.get("/docs")
        document = await client.get("/openapi.json")

    assert docs.status_code == 404
    assert document.status_code == 404


async def test_docs_are_served_by_default(client: AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["description"]
