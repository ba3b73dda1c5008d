"""The registries of `resources/` (`models.py`, `routers.py`, `jobs.py`, `schedules.py`): lines per
resource, in the shape the template writes them:

    from .orders import router as orders          # routers.py, with `    orders.router,`
    from .orders.models import Order as Order     # models.py

This module is the one place that reads them, adds a resource's lines and keeps both sides when
an update and the team both added lines at the same place."""

import re
from collections.abc import Iterator
from pathlib import Path

from .errors import GeneratorError

REGISTRIES = ("models.py", "routers.py", "jobs.py", "schedules.py")
"""The files of `resources/` where each resource adds its lines (`add resource` among others):
the team's lists, which no option touches."""
OPTION_RESOURCES = {"users": "User"}
"""Resources an option brings (auth's users), each registered in its own folder's `registry.py`
(its routers) and read by the migrations from its `models.py`, outside the team's lists."""
MOVED_OUT = {
    "from .users import router as users",
    "from .users import sessions",
    "    sessions.router,",
    "    users.router,",
    "from .users.models import RefreshToken as RefreshToken",
    "from .users.models import User as User",
}
"""The registry lines through which 0.6.0's users left the team's lists: an update to it drops
them where the team's lines kept them (next to a resource it added, Copier cannot tell)."""
_MODEL = re.compile(r"^from \.(?P<folder>\w+)\.models import (?P<model>\w+)", re.MULTILINE)
_ROUTER_IMPORT = r"^from \.\w+ import \w+(?: as \w+)?\n"
_ROUTER_ENTRY = re.compile(r"^    \w+\.router,\n", re.MULTILINE)
_ANY_IMPORT = r"^from \.[\w.]+ import .*\n"
_CONFLICT = re.compile(
    r"^<{7} [^\n]*\n(?P<ours>(?:.*\n)*?)={7}\n(?P<theirs>(?:.*\n)*?)>{7} [^\n]*\n", re.MULTILINE
)
_REGISTRY_LINE = re.compile(r"^(from \.[\w.]+ import [\w ,]+|    [\w.]+,)$")


def registered_models(package: Path) -> Iterator[tuple[str, str]]:
    """(folder, model class) of the resources options bring, then of every model
    `resources/models.py` lists, in its order."""
    for folder, model in OPTION_RESOURCES.items():
        if _registers_itself(package, folder):
            yield folder, model
    registry = package / "resources" / "models.py"
    if registry.is_file():
        for found in _MODEL.finditer(registry.read_text()):
            yield found["folder"], found["model"]


def _insert_sorted(text: str, line: str, pattern: str) -> str:
    """`line` among the lines matching `pattern` (the registry's imports), in the order ruff
    keeps them: before the first that sorts after it, else after the last."""
    found = list(re.finditer(pattern, text, re.M))
    later = next((match for match in found if match[0] > line), None)
    at = later.start() if later else found[-1].end()
    return text[:at] + line + text[at:]


def register(package: Path, name: str, model: str) -> list[Path]:
    """One import and one entry in the routers' registry, one line in the models'; the two
    files."""
    routers = package / "resources" / "routers.py"
    text = routers.read_text()
    entries = list(_ROUTER_ENTRY.finditer(text))
    if not re.search(_ROUTER_IMPORT, text, re.M) or not entries:
        raise GeneratorError(
            f"{routers} no longer has the shape `from .items import router as items` / "
            "`    items.router,`; add the resource's router there by hand"
        )
    line = f"    {name}.router,\n"
    text = text[: entries[-1].end()] + line + text[entries[-1].end() :]
    routers.write_text(
        _insert_sorted(text, f"from .{name} import router as {name}\n", _ROUTER_IMPORT)
    )
    models = package / "resources" / "models.py"
    line = f"from .{name}.models import {model} as {model}\n"
    models.write_text(_insert_sorted(models.read_text(), line, _ANY_IMPORT))
    return [routers, models]


def join_registry_additions(package: Path) -> None:
    """The registries' conflicts made only of registry lines, resolved by keeping both sides:
    a team's resource added next to a line the template changed is not lost. The users' lines
    an update to 0.6.0 moved out of the lists (`MOVED_OUT`) are dropped, in a conflict or not,
    once the users register themselves (`OPTION_RESOURCES`)."""
    themselves = any(_registers_itself(package, folder) for folder in OPTION_RESOURCES)
    moved_out = MOVED_OUT if themselves else set()
    for name in REGISTRIES:
        path = package / "resources" / name
        if path.is_file():
            text = path.read_text()
            joined = "".join(
                line for line in _CONFLICT.sub(_both_sides_of_additions, text).splitlines(True)
                if line.rstrip("\n") not in moved_out
            )  # fmt: skip
            if joined != text:
                path.write_text(joined)


def _registers_itself(package: Path, folder: str) -> bool:
    """Whether the resource an option brings in `folder` has its own `registry.py` (0.6.0 on)."""
    return (package / "resources" / folder / "registry.py").is_file()


def _both_sides_of_additions(block: re.Match[str]) -> str:
    """Both sides of a conflict made only of registry lines (imports sorted); others as found."""
    ours, theirs = block["ours"].splitlines(), block["theirs"].splitlines()
    if not all(_REGISTRY_LINE.match(line) for line in ours + theirs):
        return block[0]
    kept = list(dict.fromkeys(ours + theirs))
    imports = all(line.startswith("from ") for line in kept)
    return "\n".join(sorted(kept) if imports else kept) + "\n"
