"""The API does what its OpenAPI document says: schemathesis, every phase (examples, coverage,
fuzzing, stateful), against the default render and the all-on render of each ORM, served by the
production server on a real PostgreSQL database. No server error; every status, body and content
type as documented."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from asyncforge.matrix import Combination, anchors, checks, conformance
from asyncforge.matrix import backends as services
from asyncforge.project import create
from asyncforge.resources import add

from .helpers import commit_all

SHIPMENTS = [
    "order_id:ref=orders", "tracking:uuid:unique", "weight:decimal", "fragile:bool", "due:date",
    "sent_at:datetime:optional", "details:json:optional",
]  # fmt: skip
"""Every field type of `add resource`, between the two resources."""
MAX_EXAMPLES = 150
"""Per operation and phase: bounded, so that a run takes well under a minute."""


@dataclass(frozen=True)
class Served:
    base: str
    token: str | None
    """An admin's access token when the service has users: it is also tested signed in."""


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The combination rendered, installed (with two resources of `add resource` when asked),
    migrated on a fresh PostgreSQL database and served by its production server."""
    combination: Combination
    combination, with_resources = request.param
    if with_resources:
        committed = request.getfixturevalue("committed")
        answers = {**checks.NAMES, **combination.answers()}
        project = create(
            tmp_path / "service", answers, defaults=True, template=str(committed), vcs_ref="v1",
            quiet=True,
        )  # fmt: skip
        add(project, "orders", ["item_id:ref=items", "quantity:int", "note:text:optional"])
        commit_all(project, "Orders")
        add(project, "shipments", SHIPMENTS)
    else:
        project = checks.render(tmp_path / "service", combination.answers())
    installed = checks.install(project)
    assert installed.ok, installed.tail()
    with (
        services.real_services(project, f"conformance_{combination.id}", slot=13) as env,
        conformance.served(project, env, tmp_path / "server.log") as base,
    ):
        has_users = combination["auth"] == "jwt"
        yield Served(base, conformance.admin_token(project, env, base) if has_users else None)


@pytest.mark.slow
@pytest.mark.parametrize(
    "served",
    [
        *(
            pytest.param((c, False), id=c.id, marks=pytest.mark.xdist_group(f"conformance-{c.id}"))
            for c in anchors()
        ),
        *(
            pytest.param(
                (c, True),
                id=f"{c.id}-with-resources",
                marks=pytest.mark.xdist_group(f"conformance-resources-{c.id}"),
            )
            for c in anchors()[1:]  # one per ORM
        ),
    ],
    indirect=True,
)
def test_the_api_conforms_to_its_openapi_document(served: Served, tmp_path: Path) -> None:
    """Anonymous, and signed in as an admin when the service has users: then the admin's run
    fuzzes every phase, and the anonymous one checks each operation's examples and documented
    refusals (public reads answer the same whoever asks; anonymous writes stop at the 401)."""
    callers: dict[str, tuple[str | None, str]] = {"anonymous": (None, conformance.ALL_PHASES)}
    if served.token is not None:
        callers = {
            "anonymous": (None, "examples,coverage"),
            "admin": (served.token, conformance.ALL_PHASES),
        }
    for caller, (token, phases) in callers.items():
        result = conformance.schemathesis(
            served.base, tmp_path / caller, token=token, phases=phases, max_examples=MAX_EXAMPLES
        )

        print(caller, result.output[-1200:])  # the counts, for `pytest -rP`
        assert result.ok, caller + result.output[-8000:]
        assert "No issues found" in result.output or " passed" in result.output
