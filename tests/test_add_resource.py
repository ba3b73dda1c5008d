"""`asyncforge add resource` refuses a bad command line in one line that names what is wrong,
before anything is written; `asyncforge resources` lists what a service has."""

import re
from pathlib import Path

import pytest

from asyncforge.resources import field_types

from .helpers import asyncforge, git

pytestmark = pytest.mark.xdist_group("add-resource")  # one service, made once


@pytest.fixture(scope="module")
def service(committed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("add-resource") / "shop"
    made = asyncforge("new", str(destination), "--defaults", "--vcs-ref", "v1", template=committed)
    assert made.returncode == 0, made.stderr
    return destination


REFUSED = [
    pytest.param(["orders", "quantity:integer"], "field 'quantity:integer': unknown type 'integer'; allowed: str, text, int, decimal, bool, date, datetime, uuid, json, ref=<resource>", id="unknown-type"),  # noqa: E501
    pytest.param(["orders", "quantity"], "field 'quantity': a type is missing", id="no-type"),
    pytest.param(["orders", "quantity:int:required"], "unknown modifier 'required'; allowed: optional, unique, index", id="unknown-modifier"),  # noqa: E501
    pytest.param(["orders", "Quantity:int"], "field 'Quantity:int': the name must be a lowercase identifier", id="field-not-lowercase"),  # noqa: E501
    pytest.param(["orders", "class:str"], "field 'class:str': the name must be a lowercase identifier that is not a Python keyword", id="field-keyword"),  # noqa: E501
    pytest.param(["orders", "id:int"], "field 'id:int': 'id' is taken", id="field-id"),
    pytest.param(["orders", "model_name:str"], "'model_name' is taken", id="field-pydantic-name"),
    pytest.param(["orders", "n:int", "n:str"], "field 'n' is given twice", id="field-twice"),
    pytest.param(["orders", "paid:bool:unique"], "a bool cannot be unique", id="unique-bool"),
    pytest.param(["orders", "buyer_id:ref=customers"], "there is no resource 'customers' to refer to (resources: items)", id="missing-reference"),  # noqa: E501
    pytest.param(["orders", "item:ref=items"], "a reference's name ends in _id, e.g. item_id:ref=items", id="reference-name"),  # noqa: E501
    pytest.param(["items", "title:str"], "resource 'items' exists already", id="existing"),
    pytest.param(["Orders", "title:str"], "resource 'Orders': the name must be a plural, lowercase identifier", id="not-lowercase"),  # noqa: E501
    pytest.param(["import", "title:str"], "resource 'import': the name must be a plural", id="keyword"),  # noqa: E501
    pytest.param(["settings", "title:str"], "would shadow the service's own module or path 'settings'", id="shadows-a-module"),  # noqa: E501
    pytest.param(["data", "title:str"], "would shadow the service's own module", id="shadows-data"),
    pytest.param(["news", "title:str", "--singular", "news"], "name it in the plural, or give its singular with --singular", id="singular-is-plural"),  # noqa: E501
    pytest.param(["orders"], "give at least one field", id="no-fields"),
    pytest.param(["notes", "body:text", "--owned"], "--owned needs a service with users; turn them on first: asyncforge update --auth jwt", id="owned-without-users"),  # noqa: E501
    pytest.param(["notes", "body:text", "--private"], "--private needs a service with users", id="private-without-users"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "message"), REFUSED)
def test_a_bad_command_line_is_refused_in_one_line_and_writes_nothing(
    service: Path, arguments: list[str], message: str
) -> None:
    refused = asyncforge("add", "resource", *arguments, "--project", str(service))

    assert refused.returncode != 0
    assert message in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) <= 3, refused.stderr  # click's usage lines
    assert git(service, "status", "--porcelain") == ""


def test_a_dirty_work_tree_is_refused(service: Path) -> None:
    readme = service / "README.md"
    original = readme.read_text()
    readme.write_text(original + "\nOur notes.\n")
    try:
        refused = asyncforge("add", "resource", "orders", "title:str", "--project", str(service))
    finally:
        readme.write_text(original)

    assert refused.returncode == 1
    assert "has uncommitted changes (README.md)" in refused.stderr
    assert git(service, "status", "--porcelain") == ""


def test_resources_lists_what_the_service_has(service: Path) -> None:
    listed = asyncforge("resources", "--project", str(service))

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["items", "/api/v1/items", "made", "by", "the", "template"]


def test_the_help_shows_examples_and_every_type() -> None:
    shown = asyncforge("add", "resource", "--help")

    assert shown.returncode == 0
    assert "asyncforge add resource orders item_id:ref=items" in shown.stdout
    for kind in field_types():
        assert kind in shown.stdout


def test_a_template_recorded_by_a_relative_path_is_refused(service: Path) -> None:
    """Plain `copier copy . DEST` records `_src_path: .`, which names nothing later."""
    answers = service / ".copier-answers.yml"
    answers.write_text(re.sub(r"(?m)^_src_path: .*$", "_src_path: .", answers.read_text()))
    git(service, "commit", "--quiet", "-am", "relative source")
    try:
        refused = asyncforge("add", "resource", "orders", "title:str", "--project", str(service))
    finally:
        git(service, "reset", "--quiet", "--hard", "HEAD~1")

    assert refused.returncode == 1
    assert "names its template by a relative path (.)" in refused.stderr
    assert git(service, "status", "--porcelain") == ""
