"""The clients of the live feeds' figures, run by `bench/run.py` with a rendered project's Python
(which has websockets and httpx):

- `latency WRITER READER`: one client follows the items' feed on the READER server while creates
  go to the WRITER server (another process) at `--rate` per second, each sent without waiting for
  the one before; for each create, the time from sending it to hearing its event (and to its
  answer: the create's own part). Prints JSON.
- `idle BASE`: `--count` clients follow the feed and say nothing; prints `ready` once all are
  connected, and holds them until its input ends.
"""

import argparse
import asyncio
import json
import sys
import time
import uuid
from contextlib import AsyncExitStack

import httpx
from websockets.asyncio.client import connect

WARM_UP = 20


def feed_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/api/v1/items/events"


async def latency(writer: str, reader: str, rate: float, count: int) -> None:
    run = uuid.uuid4().hex[:8]
    sent: dict[str, float] = {}
    heard: dict[str, float] = {}
    answered: dict[str, float] = {}
    async with (
        connect(feed_url(reader), max_queue=None) as feed,
        httpx.AsyncClient(base_url=writer, timeout=30) as http,
    ):

        async def listen() -> None:
            while len(heard) < count:
                event = json.loads(await feed.recv())
                name = event["data"].get("name")
                if name in sent and name not in heard:
                    heard[name] = time.perf_counter()

        async def create(name: str) -> int:
            answer = await http.post("/api/v1/items", json={"name": name, "price": 1})
            answered[name] = time.perf_counter()
            status: int = answer.status_code
            return status

        for n in range(WARM_UP):  # the servers' connections and caches, as they stay
            await create(f"warm-{run}-{n}")
        listener = asyncio.create_task(listen())
        creates = []
        start = time.perf_counter()
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            name = f"feed-{run}-{n}"
            sent[name] = time.perf_counter()
            creates.append(asyncio.create_task(create(name)))
        statuses = await asyncio.gather(*creates)
        await asyncio.wait_for(listener, 30)
    waits = sorted((heard[name] - sent[name]) * 1000 for name in sent)
    answers = sorted((answered[name] - sent[name]) * 1000 for name in sent)
    print(json.dumps({
        "events": len(waits),
        "errors": sum(status != 201 for status in statuses),
        "p50_ms": round(waits[len(waits) // 2], 2),
        "p99_ms": round(waits[int(len(waits) * 0.99) - 1], 2),
        "max_ms": round(waits[-1], 2),
        "create_p99_ms": round(answers[int(len(answers) * 0.99) - 1], 2),
    }))  # fmt: skip


async def idle(base: str, count: int) -> None:
    async with AsyncExitStack() as feeds:
        for _ in range(count):
            await feeds.enter_async_context(connect(feed_url(base), ping_interval=None))
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["latency", "idle"])
    parser.add_argument("bases", nargs="+")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--count", type=int, default=500)
    options = parser.parse_args()
    if options.mode == "latency":
        writer, reader = options.bases
        asyncio.run(latency(writer, reader, options.rate, options.count))
    else:
        asyncio.run(idle(options.bases[0], options.count))


if __name__ == "__main__":
    main()
