"""`asyncforge add resource` refuses a bad command line in one line that names what is wrong,
before anything is written; `asyncforge resources` lists what a service has."""

import re
from pathlib import Path

import pytest

from asyncforge.resources import field_types, singular_of

from .helpers import asyncforge, git

pytestmark = pytest.mark.xdist_group("add-resource")  # one service, made once


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("items", "item"), ("categories", "category"), ("order_tags", "order_tag"),
     ("addresses", "address"), ("boxes", "box"), ("batches", "batch"), ("buzzes", "buzz"),
     ("statuses", "status"), ("campuses", "campus"), ("houses", "house"), ("excuses", "excuse"),
     ("sizes", "size"), ("movies", "movie"), ("cookies", "cookie"), ("analysis", "analysis")],
    ids=lambda name: name,
)  # fmt: skip
def test_a_plural_becomes_its_singular_by_copier_yml_s_rule(plural: str, singular: str) -> None:
    """One rule, `resource_singular`'s default, for plain `copier copy` and the CLI alike
    (`statuses` made `StatuseCreate`)."""
    assert singular_of(plural) == singular


def _service(template: Path, destination: Path, *flags: str) -> Path:
    made = asyncforge("new", str(destination), "--defaults", "--vcs-ref", "v1", *flags,
                      template=template)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return destination


@pytest.fixture(scope="module")
def service(committed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _service(committed, tmp_path_factory.mktemp("add-resource") / "shop")


@pytest.fixture(scope="module")
def service_with_users(committed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tortoise, whose references also make an attribute without `_id`."""
    destination = tmp_path_factory.mktemp("add-resource") / "club"
    return _service(committed, destination, "--orm", "tortoise", "--auth", "jwt")


REFUSED = [
    pytest.param(["orders", "quantity:integer"], "field 'quantity:integer': unknown type 'integer'; allowed: str, text, int, decimal, bool, date, datetime, uuid, json, ref=<resource>", id="unknown-type"),  # noqa: E501
    pytest.param(["orders", "quantity"], "field 'quantity': a type is missing", id="no-type"),
    pytest.param(["orders", "quantity:int:required"], "unknown modifier 'required'; allowed: optional, unique, index", id="unknown-modifier"),  # noqa: E501
    pytest.param(["orders", "Quantity:int"], "field 'Quantity:int': the name must be a lowercase identifier", id="field-not-lowercase"),  # noqa: E501
    pytest.param(["orders", "class:str"], "field 'class:str': the name must be a lowercase identifier that is not a Python keyword", id="field-keyword"),  # noqa: E501
    pytest.param(["orders", "id:int"], "field 'id:int': 'id' is taken (Order has an attribute of that name already)", id="field-id"),  # noqa: E501
    pytest.param(["orders", "created_at:date"], "field 'created_at:date': 'created_at' is taken", id="field-created-at"),  # noqa: E501
    pytest.param(["orders", "json:json"], "field 'json:json': 'json' is taken (OrderCreate inherits an attribute of that name)", id="field-pydantic-json"),  # noqa: E501
    pytest.param(["orders", "schema:str"], "'schema' is taken (OrderCreate inherits", id="field-pydantic-schema"),  # noqa: E501
    pytest.param(["orders", "copy:int"], "'copy' is taken (OrderCreate inherits", id="field-pydantic-copy"),  # noqa: E501
    pytest.param(["orders", "metadata:str"], "'metadata' is taken (Order inherits an attribute of that name)", id="field-sqlalchemy-metadata"),  # noqa: E501
    pytest.param(["orders", "datetime:datetime"], "'datetime' is taken (Order uses datetime in its own definition)", id="field-hides-an-import"),  # noqa: E501
    pytest.param(["orders", "note:text", "str:str:optional"], "'str' is taken (Order uses str in its own definition)", id="field-hides-a-builtin"),  # noqa: E501
    pytest.param(["orders", "model_name:str"], "'model_name' is taken", id="field-pydantic-name"),
    pytest.param(["orders", "n:int", "n:str"], "field 'n' is given twice", id="field-twice"),
    pytest.param(["orders", "paid:bool:unique"], "a bool cannot be unique", id="unique-bool"),
    pytest.param(["orders", "buyer_id:ref=customers"], "there is no resource 'customers' to refer to (resources: items)", id="missing-reference"),  # noqa: E501
    pytest.param(["orders", "item:ref=items"], "a reference's name ends in _id, e.g. item_id:ref=items", id="reference-name"),  # noqa: E501
    pytest.param(["items", "title:str"], "resource 'items' exists already", id="existing"),
    pytest.param(["Orders", "title:str"], "resource 'Orders': the name must be a plural, lowercase identifier", id="not-lowercase"),  # noqa: E501
    pytest.param(["import", "title:str"], "resource 'import': the name must be a plural", id="keyword"),  # noqa: E501
    pytest.param(["settings", "title:str"], "would shadow the service's own module or path 'settings'", id="shadows-a-module"),  # noqa: E501
    pytest.param(["observability", "title:str"], "would shadow the service's own module", id="shadows-a-folder"),  # noqa: E501
    pytest.param(["news", "title:str", "--singular", "news"], "name it in the plural, or give its singular with --singular", id="singular-is-plural"),  # noqa: E501
    pytest.param(["orders"], "give at least one field", id="no-fields"),
    pytest.param(["orders", "a:int", "--unique", "a"], "--unique a: name two or more different fields", id="unique-together-of-one"),  # noqa: E501
    pytest.param(["orders", "a:int", "--unique", "a,a"], "--unique a,a: name two or more different fields", id="unique-together-twice-the-same"),  # noqa: E501
    pytest.param(["orders", "a:int", "--unique", "a,b"], "--unique a,b: there is no field 'b' (fields: a)", id="unique-together-unknown"),  # noqa: E501
    pytest.param(["orders", "a:int", "b:text", "--unique", "a,b"], "--unique a,b: 'b' is text, which cannot be part of a unique group", id="unique-together-text"),  # noqa: E501
    pytest.param(["orders", "a:int", "b:int", "--unique", "a,b", "--unique", "b,a"], "--unique b,a: that group is given twice", id="unique-together-repeated"),  # noqa: E501
    pytest.param(["notes", "body:text", "--owned"], "--read, --write, --private and --owned need a service with users; turn them on first: asyncforge update --auth jwt", id="owned-without-users"),  # noqa: E501
    pytest.param(["notes", "body:text", "--private"], "need a service with users", id="private-without-users"),  # noqa: E501
    pytest.param(["notes", "body:text", "--write", "owner"], "need a service with users", id="write-owner-without-users"),  # noqa: E501
    pytest.param(["notes", "body:text", "--read", "everyone"], "--read everyone: must be public, user, owner or role:NAME", id="unknown-read-rule"),  # noqa: E501
    pytest.param(["notes", "body:text", "--write", "public"], "--write public: must be user, owner or role:NAME", id="public-writes"),  # noqa: E501
]  # fmt: skip


REFUSED_WITH_USERS = [
    pytest.param(["things", "title:str", "owner_id:int", "--owned"], "field 'owner_id:int': 'owner_id' is taken (ThingRead has an attribute of that name already)", id="owner-id-of-an-owned-resource"),  # noqa: E501
    pytest.param(["things", "item_id:ref=items", "item:str"], "field 'item:str': 'item' is taken (Thing has an attribute of that name already)", id="tortoise-relation-and-a-field"),  # noqa: E501
    pytest.param(["things", "fields:str"], "'fields' is taken (Thing uses fields in its own definition)", id="tortoise-fields-module"),  # noqa: E501
    pytest.param(["things", "pk:int"], "'pk' is taken (Thing inherits an attribute of that name)", id="tortoise-pk"),  # noqa: E501
    pytest.param(["things", "save:bool"], "'save' is taken (Thing inherits", id="tortoise-save"),
    pytest.param(["users", "title:str"], "resource 'users' exists already", id="users"),
    pytest.param(["things", "title:str", "--read", "role:support"], "--read role:support: the service declares no role 'support' (roles: admin, member); add it to the Role class of auth/roles.py first", id="undeclared-role"),  # noqa: E501
    pytest.param(["things", "title:str", "--read", "owner"], "--write user: a row only its owner reads is changed by its owner only (--read owner needs --write owner)", id="owner-reads-others-write"),  # noqa: E501
    pytest.param(["things", "title:str", "--owned", "--write", "user"], "--owned is --read owner --write owner: give one or the other", id="owned-and-write"),  # noqa: E501
    pytest.param(["things", "title:str", "--private", "--read", "public"], "--private is --read user: give one or the other", id="private-and-read"),  # noqa: E501
]  # fmt: skip


def _refused_in_one_line(service: Path, arguments: list[str], message: str) -> None:
    refused = asyncforge("add", "resource", *arguments, "--project", str(service))

    assert refused.returncode != 0
    assert message in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) <= 3, refused.stderr  # click's usage lines
    assert git(service, "status", "--porcelain") == ""


@pytest.mark.parametrize(("arguments", "message"), REFUSED)
def test_a_bad_command_line_is_refused_in_one_line_and_writes_nothing(
    service: Path, arguments: list[str], message: str
) -> None:
    _refused_in_one_line(service, arguments, message)


@pytest.mark.parametrize(("arguments", "message"), REFUSED_WITH_USERS)
def test_with_users_and_tortoise_a_bad_field_is_refused_in_one_line_and_writes_nothing(
    service_with_users: Path, arguments: list[str], message: str
) -> None:
    _refused_in_one_line(service_with_users, arguments, message)


def test_what_a_removed_resource_leaves_behind_does_not_stop_adding_it_again(
    service: Path,
) -> None:
    """`__pycache__` is git-ignored: removing a resource's files leaves it."""
    leftover = service / "src" / "shop" / "resources" / "parcels" / "__pycache__"
    leftover.mkdir(parents=True)
    (leftover / "router.cpython-311.pyc").write_bytes(b"")
    try:
        added = asyncforge("add", "resource", "parcels", "label:str", "--project", str(service))
    finally:
        git(service, "checkout", "--", ".")
        git(service, "clean", "-fdqx", "--", "src/shop/resources", "tests", "src/shop/db")
        git(service, "clean", "-fdq", "--", ".")

    assert added.returncode == 0, added.stderr
    assert git(service, "status", "--porcelain") == ""


def test_a_name_of_several_words_is_served_with_dashes(service: Path) -> None:
    added = asyncforge("add", "resource", "order_tags", "label:str", "--project", str(service))
    try:
        listed = asyncforge("resources", "--project", str(service))
        router = (service / "src" / "shop" / "resources" / "order_tags" / "router.py").read_text()
    finally:
        git(service, "checkout", "--", ".")
        git(service, "clean", "-fdq", "--", ".")

    assert added.returncode == 0, added.stderr
    assert 'prefix=f"{V1}/order-tags"' in router
    assert ["order_tags", "/api/v1/order-tags", "made", "by"] in [
        line.split()[:4] for line in listed.stdout.splitlines()
    ]


def test_resources_lists_the_templates_users_as_the_templates(service_with_users: Path) -> None:
    listed = asyncforge("resources", "--project", str(service_with_users))

    assert listed.returncode == 0, listed.stderr
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert ["users", "/api/v1/users", "made", "by", "the", "template"] in lines


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
    assert "text (at most 10,000)" in shown.stdout


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
