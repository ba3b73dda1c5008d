"""`asyncforge matrix --explore N`: a seeded simulation of a team's life with a service, to meet
the next defect before a user does.

A seed draws a sequence of what teams do: make a service (from this checkout, or from a recorded
release and then update it), add resources (every field type and modifier, references in chains
and to users, `--owned` and `--private`, names at the edges: keywords of SQL and Python, names
that shadow modules or attributes, plurals that do not end in s), turn options on and off with
`asyncforge update`, run plain `copier update`, copy `.env.example` to `.env`. After each step one
of two things must hold:

- the command refused, in one line naming why, and left the tree as it was; or
- the project, committed as a team would, installs from its lock and passes ruff, ruff format,
  mypy (tests included) and its migrations' checks (one head, upgrade from empty, nothing
  pending), and, after the last step (or after every step with `thorough`), its own suite and
  schemathesis against every resource, signed in as an admin where writes need a user.

A failure is replayed without one step at a time, from the last, to the shortest sequence that
still fails the same check; it is reported with its seed. Hypothesis' stateful testing would fit
the idea, but an example here costs minutes of real commands, which its shrinker replays by the
hundred: this shrinker replays each step's removal once.
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import GeneratorError
from ..processes import Phase, child_environment, run_phase, uv_executable
from ..template import TEMPLATE_ENV, fact, options, recorded_releases
from . import conformance
from .backends import backend_environment
from .releases import HistoryMissing, template_with_releases

CURRENT = "v999.0.0"
"""The tag this checkout gets in the scratch template repository: newer than every release."""
RESOURCE_NAMES = [
    "orders", "invoices", "categories", "boxes", "addresses", "order_tags", "statuses",
    "people", "children", "shipments", "customers",
]  # fmt: skip
"""Plurals of every kind (`-ies`, `-xes`, `-sses`, none at all), names of several words."""
EDGE_RESOURCE_NAMES = [
    "groups", "selects", "tables", "indexes", "keys", "values", "data", "news", "settings",
    "users", "items", "classes", "matches", "fields", "schemas", "metrics",
    "a_rather_long_resource_name_for_a_table_of_things",
]  # fmt: skip
"""SQL keywords, names of the service's own modules and resources and of Python's, lengths."""
SINGULARS = {"people": "person", "children": "child", "data": "datum", "news": "news_item"}
FIELD_NAMES = [
    "title", "quantity", "note", "status", "price", "due", "sent_at", "details", "code", "label",
    "name", "payload", "total", "rank", "starts_on", "paid",
]  # fmt: skip
EDGE_FIELD_NAMES = [
    "type", "order", "group", "key", "value", "index", "from", "select", "user", "limit",
    "offset", "date", "datetime", "json", "schema", "copy", "metadata", "fields", "id",
    "created_at", "owner_id", "pk", "save", "str", "filter", "items", "data", "model_name",
    "database", "unit", "router",
]  # fmt: skip
"""Names that collide with something: SQL and Python keywords, builtins, attributes of the
models and schemas, the handlers' own parameters."""
EDGES = 0.3
"""How often a name is drawn from the edges."""
MODIFIERS = ("optional", "unique", "index")


@dataclass(frozen=True)
class Step:
    """One thing a team does: a command line of `asyncforge` (the default), of `copier`, or a
    shell line."""

    argv: tuple[str, ...]
    tool: str = "asyncforge"

    def __str__(self) -> str:
        return " ".join([self.tool, *self.argv]) if self.tool != "sh" else " ".join(self.argv)


@dataclass
class _World:
    """What the draw knows of the service it is making, to draw steps that are worth trying."""

    answers: dict[str, object]
    resources: dict[str, bool] = field(default_factory=dict)
    """Each resource and whether its rows have owners (`users` with auth)."""


def _flags(answers: dict[str, object]) -> list[str]:
    found = []
    for name, value in answers.items():
        dashed = name.replace("_", "-")
        if isinstance(value, bool):
            found.append(f"--{dashed}" if value else f"--no-{dashed}")
        else:
            found += [f"--{dashed}", str(value)]
    return found


def _field(rng: random.Random, world: _World, types: list[str]) -> str:
    refs = sorted(world.resources)
    if refs and rng.random() < 0.3:
        target = rng.choice(refs)
        name = f"{SINGULARS.get(target, target.removesuffix('s'))}_id"
        kind = f"ref={target}"
    else:
        name = rng.choice(EDGE_FIELD_NAMES if rng.random() < EDGES else FIELD_NAMES)
        kind = rng.choice(types)
    modifiers = [m for m in MODIFIERS if rng.random() < 0.2]
    return ":".join([name, kind, *modifiers])


def _add_resource(rng: random.Random, world: _World, types: list[str]) -> Step:
    name = rng.choice(EDGE_RESOURCE_NAMES if rng.random() < EDGES else RESOURCE_NAMES)
    fields = [_field(rng, world, types) for _ in range(rng.randint(1, 4))]
    flags = ["--singular", SINGULARS[name]] if name in SINGULARS else []
    owned = False
    if rng.random() < (0.5 if world.answers.get("auth") == "jwt" else 0.05):
        owned = rng.random() < 0.5
        flags.append("--owned" if owned else "--private")
    world.resources.setdefault(name, owned)  # if refused, what refers to it is refused too
    return Step(("add", "resource", name, *fields, *flags))


def _update(rng: random.Random, world: _World) -> Step:
    option = rng.choice(options())
    values = [value for value in option.values if value != world.answers.get(option.name)]
    value = rng.choice(values)
    if option.name not in ("orm",) and not (option.name == "auth" and value == "none"):
        world.answers[option.name] = value  # what update refuses leaves the answer as it was
    if option.name == "auth" and value == "jwt":
        world.resources["users"] = True
    return Step(("update", ".", *_flags({option.name: value}), "--yes"))


def draw(seed: int, steps: int, releases: list[str]) -> list[Step]:
    """The sequence a seed makes: a start (a new service, or one made by a release and updated
    to this checkout) and `steps` more."""
    rng = random.Random(seed)
    answers = {q.name: rng.choice(q.values) for q in options()}
    world = _World(dict(answers), {"items": False})
    if answers["auth"] == "jwt":
        world.resources["users"] = True
    types = [name for name in fact("resource_field_types") if name != "ref"]
    name = rng.choice(["shop", "orders-api", "a2-service", "svc"])
    made: list[Step]
    from_a_release = rng.random() < 0.3  # drawn either way: a seed's steps stay the same
    if releases and from_a_release:
        release = rng.choice(releases)
        old = {k: v for k, v in answers.items() if k != "auth"}  # no release before has users
        world.answers = {**old, "auth": "none"}
        world.resources = {"items": False}
        made = [
            Step(("new", name, "--defaults", "--vcs-ref", release, *_flags(old))),
            Step(("update", ".")),
        ]
    else:
        made = [Step(("new", name, "--defaults", *_flags(answers)))]
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.55:
            made.append(_add_resource(rng, world, types))
        elif roll < 0.8:
            made.append(_update(rng, world))
        elif roll < 0.9:
            made.append(Step(("update", "--defaults", "--vcs-ref", CURRENT, "."), tool="copier"))
        else:
            made.append(Step(("cp", ".env.example", ".env"), tool="sh"))
    return made


@dataclass
class Failure:
    step: int
    """Its index in the sequence."""
    check: str
    detail: str


@dataclass
class Outcome:
    seed: int
    steps: list[Step]
    failure: Failure | None = None
    shortest: list[Step] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    """What each step of the first run did: `held`, or `refused: <why>`."""

    def report(self, *, trail: bool = False) -> str:
        if self.failure is None:
            said = f"seed {self.seed}: {len(self.steps)} steps held"
            if trail:
                done = zip(self.steps, self.trail, strict=True)
                said += "".join(f"\n  {step}  -> {result}" for step, result in done)
            return said
        shown = self.shortest or self.steps
        lines = [f"seed {self.seed}: {self.failure.check} failed; the shortest sequence:"]
        lines += [f"  {number}. {step}" for number, step in enumerate(shown, start=1)]
        lines.append(self.failure.detail)
        return "\n".join(lines)


@contextmanager
def scratch_template(workdir: Path) -> Iterator[tuple[Path, list[str]]]:
    """This checkout as the newest release of a template repository holding every recorded
    one (or alone, in a clone without their history); yields it and the releases' tags."""
    repo = workdir / "template"
    try:
        template_with_releases(repo, current_tag=CURRENT)
        tags = [f"v{release['version']}" for release in recorded_releases()]
    except HistoryMissing:
        shutil.rmtree(repo, ignore_errors=True)
        template_with_releases(repo, current_tag=CURRENT, releases=False)
        tags = []
    yield repo, tags


class Explorer:
    """Runs sequences against a scratch template repository, on one backend."""

    def __init__(
        self, workdir: Path, template: Path, backend: str, *, thorough: bool = False
    ) -> None:
        self.workdir = workdir
        self.template = template
        self.backend = backend
        self.thorough = thorough
        self.type_cache = workdir / ".mypy_cache"
        self._runs = 0

    def run(self, steps: list[Step], trail: list[str] | None = None) -> Failure | None:
        """The sequence from scratch; each step's result is appended to `trail` when given."""
        self._runs += 1
        home = self.workdir / f"run-{self._runs}"
        home.mkdir()
        project: Path | None = None
        try:
            for index, step in enumerate(steps):
                last = index == len(steps) - 1
                failure, project = self._step(
                    home, project, step, heavy=last or self.thorough, trail=trail
                )
                if failure is not None:
                    failure.step = index
                    return failure
            return None
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def _step(
        self, home: Path, project: Path | None, step: Step, *, heavy: bool,
        trail: list[str] | None = None,
    ) -> tuple[Failure | None, Path | None]:  # fmt: skip
        before = _head(project) if project is not None else None
        completed = self._command(home, project, step)
        if step.argv[0] == "new" and step.tool == "asyncforge":
            project = home / step.argv[1]
        if project is None or not project.is_dir():
            return Failure(0, "new", completed.stdout + completed.stderr), None
        if completed.returncode != 0:
            if trail is not None:
                trail.append("refused: " + (completed.stderr.strip().splitlines() or [""])[-1])
            return self._refused_cleanly(project, before, completed, step), project
        if trail is not None:
            trail.append("held")
        if step.argv[0] == "new" or _dirty(project):
            _commit(project, f"After: {step}")
        return self._holds(project, heavy=heavy), project

    def _command(
        self, home: Path, project: Path | None, step: Step
    ) -> subprocess.CompletedProcess[str]:
        bin_dir = Path(sys.executable).parent
        executable = {"asyncforge": str(bin_dir / "asyncforge"), "copier": str(bin_dir / "copier")}
        argv = [executable[step.tool], *step.argv] if step.tool != "sh" else list(step.argv)
        environment = {**os.environ, TEMPLATE_ENV: str(self.template)}
        return subprocess.run(
            argv, cwd=project or home, env=environment, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=900, check=False,
        )  # fmt: skip

    @staticmethod
    def _refused_cleanly(
        project: Path, before: str | None, completed: subprocess.CompletedProcess[str], step: Step
    ) -> Failure | None:
        """asyncforge's refusal is one line (beside click's usage lines and warnings); Copier's
        own is Copier's. Either leaves the tree as it was."""
        said = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        usage = ("Usage:", "Try ", "asyncforge: warning:")
        reasons = [line for line in said if not line.startswith(usage)]
        if step.tool == "asyncforge" and ("Traceback" in completed.stderr or len(reasons) != 1):
            return Failure(0, "a refusal in one line", completed.stderr[-3000:])
        if _dirty(project) or _head(project) != before:
            return Failure(0, "a refusal that leaves the tree untouched", completed.stderr[-2000:])
        return None

    def _holds(self, project: Path, *, heavy: bool) -> Failure | None:
        uv = uv_executable()
        tools = [uv, "run", "--frozen"]
        light = [
            ("install", [uv, "sync", "--locked", "--quiet"], None),
            ("lint", [*tools, "ruff", "check", "."], None),
            ("format", [*tools, "ruff", "format", "--check", "."], None),
            ("typecheck", [*tools, "mypy"], {"MYPY_CACHE_DIR": str(self.type_cache)}),
        ]
        for name, command, env in light:
            phase = run_phase(name, [command], project, env)
            if not phase.ok:
                return Failure(0, name, phase.report())
        migrations = _migrations(project)
        if not migrations.ok:
            return Failure(0, "migrations", migrations.report())
        return self._suite_and_conformance(project) if heavy else None

    def _suite_and_conformance(self, project: Path) -> Failure | None:
        uv = uv_executable()
        with backend_environment(self.backend, project, "explore", slot=12) as env:
            suite = run_phase(
                "suite", [[uv, "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider"]],
                project, env,
            )  # fmt: skip
            if not suite.ok:
                return Failure(0, "suite", suite.report())
        with (
            backend_environment(self.backend, project, "explore_api", slot=12) as env,
            tempfile.TemporaryDirectory() as scratch,
        ):
            if "DATABASE_URL" not in env:
                env = {**env, "DATABASE_URL": f"sqlite:///{scratch}/explore.db"}
            try:
                with conformance.served(project, env, Path(scratch) / "server.log") as base:
                    users = (project / "src" / conformance.package_of(project) / "auth").is_dir()
                    token = conformance.admin_token(project, env, base) if users else None
                    phase = conformance.schemathesis(
                        base, Path(scratch) / "report", token=token,
                        phases="examples,coverage,fuzzing", max_examples=25,
                    )  # fmt: skip
            except RuntimeError as error:
                return Failure(0, "serving", str(error)[-3000:])
            if not phase.ok:
                return Failure(0, "schemathesis", phase.output[-6000:])
        return None


def _migrations(project: Path) -> Phase:
    """One head, an upgrade from an empty database, and nothing pending between the models and
    the migrations (on a scratch SQLite database; the suite checks the real one)."""
    uv = uv_executable()
    with tempfile.TemporaryDirectory() as scratch:
        env = {"DATABASE_URL": f"sqlite:///{scratch}/migrations.db"}
        if (project / "alembic.ini").is_file():
            phase = run_phase(
                "migrations",
                [[uv, "run", "--frozen", "alembic", *command] for command in
                 (["heads"], ["upgrade", "head"], ["check"])],
                project, env,
            )  # fmt: skip
            heads = [line for line in phase.output.splitlines() if line.endswith("(head)")]
            if phase.ok and len(heads) != 1:
                return Phase("migrations", False, phase.seconds, f"heads: {heads}\n{phase.output}")
            return phase
        versions = sorted((project / "src").glob("*/db/migrations/models/*.py"))
        phase = run_phase(
            "migrations",
            [
                [uv, "run", "--frozen", "aerich", "upgrade"],
                [uv, "run", "--frozen", "aerich", "migrate", "--offline", "--name", "pending"],
            ],
            project, env,
        )  # fmt: skip
        for written in set((project / "src").glob("*/db/migrations/models/*.py")) - set(versions):
            written.unlink()
        if phase.ok and "No changes detected" not in phase.output:
            differ = f"models and migrations differ:\n{phase.output}"
            return Phase("migrations", False, phase.seconds, differ)
        return phase


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Explorer", "-c", "user.email=explorer@example.com", *args],
        cwd=project, capture_output=True, text=True, timeout=120, check=True,
        env=child_environment(),
    ).stdout  # fmt: skip


def _head(project: Path) -> str:
    return _git(project, "rev-parse", "HEAD").strip()


def _dirty(project: Path) -> bool:
    return bool(_git(project, "status", "--porcelain").strip())


def _commit(project: Path, message: str) -> None:
    _git(project, "add", "--all")
    _git(project, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)


class Replays(Protocol):
    def run(self, steps: list[Step]) -> Failure | None: ...


def shrink(explorer: Replays, steps: list[Step], failure: Failure) -> list[Step]:
    """The shortest sequence that still fails the same check: each step after the start left
    out in turn, from the last, kept out when the failure stays."""
    shortest = steps[: failure.step + 1]
    start = 2 if len(shortest) > 1 and shortest[1].argv == ("update", ".") else 1
    index = len(shortest) - 2  # the failing step itself stays
    while index >= start:
        candidate = shortest[:index] + shortest[index + 1 :]
        found = explorer.run(candidate)
        if found is not None and found.check == failure.check:
            shortest = candidate[: found.step + 1]
        index -= 1
    return shortest


def explore(
    seeds: list[int], steps: int, backend: str, *, thorough: bool = False,
    workdir: Path | None = None, on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:  # fmt: skip
    """Each seed's sequence run, and each failure shrunk; the outcomes."""
    base = workdir or Path(tempfile.mkdtemp(prefix="asyncforge-explore-"))
    outcomes = []
    try:
        with scratch_template(base) as (template, releases):
            explorer = Explorer(base, template, backend, thorough=thorough)
            for seed in seeds:
                sequence = draw(seed, steps, releases)
                outcome = Outcome(seed, sequence)
                outcome.failure = explorer.run(sequence, outcome.trail)
                if outcome.failure is not None:
                    outcome.shortest = shrink(explorer, sequence, outcome.failure)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
    except GeneratorError:
        raise
    finally:
        if workdir is None:
            shutil.rmtree(base, ignore_errors=True)
    return outcomes
