"""A resource a team adds by hand, as the rendered README shows: `orders/` goes to the project's
`resources/`, `orders_tests.py` to its `tests/test_orders.py`; `add` does both and the two
registry lines; `migrate` writes its migration as a team would."""

import re
import shutil
import subprocess
from pathlib import Path

from asyncforge.matrix import checks

HERE = Path(__file__).parent


def _package(project: Path) -> Path:
    [package] = (path.parent for path in (project / "src").glob("*/resources"))
    return package


def add(project: Path, orm: str) -> None:
    resource = _package(project) / "resources" / "orders"
    resource.mkdir()
    for source in (HERE / "orders").glob("*.py"):
        name, _, rest = source.name.partition(".")
        if rest in ("py", f"{orm}.py"):
            shutil.copyfile(source, resource / f"{name}.py")
    shutil.copyfile(HERE / "orders_tests.py", project / "tests" / "test_orders.py")
    registries = _package(project) / "resources"
    routers = registries / "routers.py"
    text = routers.read_text()
    text = text.replace(
        "from .items import router as items\n",
        "from .items import router as items\nfrom .orders import router as orders\n",
    )
    text = text.replace("    items.router,\n", "    items.router,\n    orders.router,\n")
    routers.write_text(text)
    models = registries / "models.py"
    models.write_text(models.read_text() + "from .orders.models import Order as Order\n")


def _run(project: Path, command: list[str], database_url: str) -> str:
    completed = subprocess.run(
        [checks.uv_executable(), "run", "--frozen", *command],
        cwd=project,
        env=checks.child_environment({"DATABASE_URL": database_url}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


def migrate(project: Path, orm: str, postgres_url: str, scratch: Path) -> Path:
    """The resource's migration, written the way the rendered README says: Alembic's
    autogenerate against a database at head; for Aerich, `aerich migrate` on each dialect the
    service runs on, kept side by side (as the template's first migration does)."""
    sqlite_url = f"sqlite:///{scratch / 'migrate.db'}"
    if orm == "sqlalchemy":
        _run(project, ["alembic", "upgrade", "head"], sqlite_url)
        _run(project, ["alembic", "revision", "--autogenerate", "-m", "create orders"], sqlite_url)
        [written] = (_package(project) / "db" / "migrations" / "versions").glob("0003_*")
        return written
    folder = _package(project) / "db" / "migrations" / "models"
    generated = {}
    for dialect, url in (("sqlite", sqlite_url), ("postgres", postgres_url)):
        _run(project, ["aerich", "upgrade"], url)
        _run(project, ["aerich", "migrate", "--name", "create_orders"], url)
        [written] = folder.glob("2_*_create_orders.py")
        generated[dialect] = written.read_text()
        if dialect == "sqlite":
            written.unlink()
    written.write_text(_both_dialects(generated))
    _run(project, ["ruff", "format", str(written)], sqlite_url)
    return written


_UPGRADE = re.compile(
    r'async def upgrade\(db: BaseDBAsyncClient\) -> str:\n    return """(?P<sql>.*?)"""', re.S
)


def _both_dialects(generated: dict[str, str]) -> str:
    statements = {dialect: _UPGRADE.search(text) for dialect, text in generated.items()}
    assert all(statements.values()), "aerich wrote a migration of an unknown shape"
    by_dialect = "".join(
        f'    "{dialect}": """{found["sql"]}""",\n'
        for dialect, found in statements.items()
        if found is not None
    )
    upgrade = (
        f"SCHEMA_BY_DIALECT = {{\n{by_dialect}}}\n\n\n"
        "async def upgrade(db: BaseDBAsyncClient) -> str:\n"
        "    return SCHEMA_BY_DIALECT[db.capabilities.dialect]"
    )
    return _UPGRADE.sub(lambda _: upgrade, generated["postgres"])
