"""The bench works: a smoke run renders, seeds, serves and measures a service and the references
it is compared with, and writes every figure. Speed itself is measured by `bench/run.py`, never
asserted here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (
    "fastapi-hello", "raw-asyncpg", "tutorial-sqlalchemy", "sqlalchemy-default",
    "sqlalchemy-auth-signed-in", "sqlalchemy-orders",
)  # fmt: skip
"""A service against its references, one with users, and one with a resource added by
`asyncforge add resource` beside items."""


@pytest.mark.slow
@pytest.mark.xdist_group("bench")
def test_a_smoke_run_measures_a_service_against_its_references(tmp_path: Path) -> None:
    results = tmp_path / "bench.json"

    run = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--only", ",".join(TARGETS),
         "--json", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(results.read_text())
    measured = {(row["target"], row["scenario"]): row for row in summary["rows"]}
    assert set(measured) == {
        ("fastapi-hello", "live"),
        ("raw-asyncpg", "read"),
        *(("tutorial-sqlalchemy", scenario) for scenario in ("read", "list", "create")),
        *(("sqlalchemy-default", scenario) for scenario in ("live", "read", "list", "create")),
        *(("sqlalchemy-auth-signed-in", scenario) for scenario in ("read", "me")),
        *(
            ("sqlalchemy-orders", f"{resource}{scenario}")
            for resource in ("", "orders-")
            for scenario in ("read", "list", "create")
        ),
        ("sqlalchemy-orders", "orders-page"),
        ("sqlalchemy-orders", "orders-page-include"),
    }
    for row in measured.values():
        assert row["rps_median"] > 0, row
        assert row["errors"] == 0, row  # every response a 2xx: the scripts ask valid questions
    [feeds] = summary["feeds"]  # sqlalchemy-default's: every event heard, idle clients held
    assert (feeds["target"], feeds["events"], feeds["errors"]) == ("sqlalchemy-default", 20, 0)
    assert feeds["idle_clients"] == 20
    assert feeds["idle_rss_mb"] is not None
    assert feeds["reference_idle_rss_mb"] is not None
    for scenario in ("read", "list", "create"):  # the service's pool keeps what it opens
        assert measured[("sqlalchemy-default", scenario)]["churned_connections"] == 0
    compared = {(c["measured"], c["reference"]) for c in summary["comparisons"]}
    assert ("sqlalchemy-default read", "raw-asyncpg read") in compared
    assert ("sqlalchemy-default create", "tutorial-sqlalchemy create") in compared
    assert ("sqlalchemy-default live", "fastapi-hello live") in compared
    assert ("sqlalchemy-orders orders-read", "sqlalchemy-orders read") in compared
    assert ("sqlalchemy-orders orders-page-include", "sqlalchemy-orders orders-page") in compared
    # Every answer of the signed-in target was a 2xx (above): its token was accepted.
    assert "| sqlalchemy-default | read |" in run.stdout
