"""The pending sweep: an item whose job never ran (its process died, its broker was down, its
retries ran out) is found and processed by the service itself, with no call to `/process`."""

from datetime import timedelta

from fastapi import FastAPI

from .conftest import ServeApp
from .items_api import API, ItemRepository, stored_item, wait_until_processed

FAST_SWEEP = {"pending_sweep_interval_seconds": 0.2, "pending_job_age_seconds": 0.3}


async def test_an_item_whose_job_never_ran_is_processed_by_the_sweep(serve_app: ServeApp) -> None:
    async with serve_app(**FAST_SWEEP) as (app, client):
        orphan = await stored_item(app)  # stored, but no job was ever scheduled for it

        processed_at = await wait_until_processed(client, orphan.id, seconds=30)

    assert processed_at


async def test_the_sweep_leaves_young_items_and_processed_ones_alone(app: FastAPI) -> None:
    young = await stored_item(app)
    async with app.state.database.reader() as unit:
        items = ItemRepository(unit)
        waiting_long = await items.pending(older_than=young.created_at, limit=100)
        waiting_at_all = await items.pending(
            older_than=young.created_at + timedelta(seconds=1), limit=10_000
        )

    assert young.id not in waiting_long
    assert young.id in waiting_at_all


async def test_without_the_sweep_an_orphan_stays_pending(serve_app: ServeApp) -> None:
    """The sweep is what processes orphans: with it off (as in the other tests), nothing does."""
    async with serve_app(pending_sweep_interval_seconds=0) as (app, client):
        orphan = await stored_item(app)
        fetched = await client.get(f"{API}/{orphan.id}")

    assert fetched.json()["processed_at"] is None
