"""The registries of `resources/` are the team's lists: what the generator reads from them, and
how an update joins the template's changes to the team's lines."""

from pathlib import Path

import pytest

from asyncforge.registries import join_registry_additions, registered_models

ROUTERS_IN_CONFLICT = """from fastapi import APIRouter

from .items import router as items
<<<<<<< before updating
from .orders import router as orders
from .users import router as users
from .users import sessions
=======
>>>>>>> after updating

ROUTERS: list[APIRouter] = [
<<<<<<< before updating
    sessions.router,
    users.router,
=======
>>>>>>> after updating
    items.router,
    orders.router,
]
"""
MODELS_AS_MERGED = """from .items.models import Item as Item
from .orders.models import Order as Order
from .users.models import RefreshToken as RefreshToken
from .users.models import User as User
"""


def package_with_registries(root: Path, *, users_register_themselves: bool) -> Path:
    resources = root / "pkg" / "resources"
    (resources / "users").mkdir(parents=True)
    (resources / "users" / "models.py").write_text("")
    if users_register_themselves:
        (resources / "users" / "registry.py").write_text("")
    (resources / "routers.py").write_text(ROUTERS_IN_CONFLICT)
    (resources / "models.py").write_text(MODELS_AS_MERGED)
    return root / "pkg"


def test_an_update_to_self_registering_users_keeps_the_teams_lines_and_drops_the_users(
    tmp_path: Path,
) -> None:
    package = package_with_registries(tmp_path, users_register_themselves=True)

    join_registry_additions(package)

    routers = (package / "resources" / "routers.py").read_text()
    assert routers == (
        "from fastapi import APIRouter\n\nfrom .items import router as items\n"
        "from .orders import router as orders\n\nROUTERS: list[APIRouter] = [\n"
        "    items.router,\n    orders.router,\n]\n"
    )
    assert (package / "resources" / "models.py").read_text() == (
        "from .items.models import Item as Item\nfrom .orders.models import Order as Order\n"
    )


def test_before_users_register_themselves_their_lines_are_kept(tmp_path: Path) -> None:
    package = package_with_registries(tmp_path, users_register_themselves=False)

    join_registry_additions(package)

    routers = (package / "resources" / "routers.py").read_text()
    assert "<<<<<<<" not in routers
    assert "from .users import sessions\n" in routers
    assert "    users.router,\n" in routers
    assert (package / "resources" / "models.py").read_text() == MODELS_AS_MERGED


@pytest.mark.parametrize("users_register_themselves", [True, False], ids=["0.6.0", "before"])
def test_the_generator_finds_users_wherever_they_are_registered(
    tmp_path: Path, users_register_themselves: bool
) -> None:
    package = package_with_registries(tmp_path, users_register_themselves=users_register_themselves)

    found = dict(registered_models(package))

    assert found["users"] in {"User", "RefreshToken"}
    assert found["orders"] == "Order"
