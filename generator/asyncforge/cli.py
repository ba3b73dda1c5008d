"""The `asyncforge` command: Copier renders; this adds a flag per question, friendly errors and
the matrix. The flags of `new` and `update` are built from `copier.yml`'s questions, so a
question added there becomes a flag of both, with its choices, without touching this file."""

import functools
import inspect
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .template import Question, questions

if TYPE_CHECKING:  # Copier, rich and the matrix load only for the command that needs them,
    # so that `--help` and `options` answer at once.
    from rich.table import Table

    from .matrix import Phase, Prepared, Run


class _Command(typer.core.TyperCommand):
    """Usage lines as click and most CLIs write them: `new [OPTIONS] DESTINATION`, not Typer's
    `{DESTINATION}`."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [
            piece.removeprefix("{").removesuffix("}") for piece in super().collect_usage_pieces(ctx)
        ]


app = typer.Typer(
    help="Generate and maintain async FastAPI services from the asyncforge template.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help and one-line errors, readable in logs and scripts
)

SHORT_FLAGS = {"project_name": "--name", "package_name": "--package"}
"""Shorter spellings kept for scripts written against earlier releases; every question also has
its full `--question-name` flag."""


def _template_questions() -> list[Question]:
    try:
        return questions()
    except (OSError, ValueError):  # no template: the commands themselves say so when run
        return []


def _default_text(question: Question) -> str:
    if question.type == "bool":
        return "on" if question.default else "off"
    if isinstance(question.default, str) and "{{" in question.default:
        return "computed from the other answers"
    return "" if question.default in (None, "") else str(question.default)


def _flag_annotation(question: Question, default_text: str | None) -> Any:
    """The flag of one question. `default_text` replaces the template's default in the help
    (an update keeps the project's answers, so there the template's default would mislead)."""
    dashed = "--" + question.name.replace("_", "-")
    shown = _default_text(question) if default_text is None else default_text
    help_text = f"{question.help} [{question.name}]" + (f" (default: {shown})" if shown else "")
    if question.type == "bool":
        return Annotated[bool | None, typer.Option(f"{dashed}/--no-{dashed[2:]}", help=help_text)]
    names = [SHORT_FLAGS[question.name], dashed] if question.name in SHORT_FLAGS else [dashed]
    if question.choices:
        return Annotated[
            str | None,
            typer.Option(
                *names,
                help=help_text,
                callback=_one_of(question.choices),
                metavar=f"<{'|'.join(question.choices)}>",
            ),
        ]
    return Annotated[str | None, typer.Option(*names, help=help_text)]


def _one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """A choice check whose message is the whole story: "'mongo' is not one of 'a', 'b'"."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            allowed = ", ".join(repr(choice) for choice in choices)
            raise typer.BadParameter(f"{value!r} is not one of {allowed}.")
        return value

    return check


def with_question_flags(
    default_text: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command one flag per question after its own parameters; it receives the given
    answers in its `**answers`."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        return _with_flags(command, default_text)

    return decorate


def _with_flags(command: Callable[..., None], default_text: str | None) -> Callable[..., None]:
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    taken = {p.name for p in own}
    flags = [
        inspect.Parameter(
            q.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_flag_annotation(q, default_text),
        )
        for q in _template_questions()
        if q.name not in taken
    ]

    @functools.wraps(command)
    def with_flags(**arguments: Any) -> None:
        command(**arguments)

    with_flags.__signature__ = signature.replace(parameters=[*own, *flags])  # type: ignore[attr-defined]
    return with_flags


def _given(answers: dict[str, Any]) -> dict[str, Any]:
    """The questions given as flags; Copier asks or defaults the rest."""
    return {name: value for name, value in answers.items() if value is not None}


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"asyncforge: {' '.join(message.split())}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Copier's and the generator's failures as one line each; Ctrl-C at a prompt as cancelled."""
    from copier.errors import CopierAnswersInterrupt, CopierError

    from .errors import GeneratorError

    try:
        yield
    except CopierAnswersInterrupt:
        raise _fail("cancelled", 130) from None
    except (ValueError, CopierError, GeneratorError, OSError) as error:
        raise _fail(str(error)) from None


NEW_EXAMPLES = """\
\b
Examples:
  asyncforge new ../orders              # asks each question in a terminal
  asyncforge new ../orders --defaults   # the defaults, no questions
  asyncforge new ../orders --orm tortoise --redis --tasks celery --prometheus
  asyncforge new ../orders --template https://github.com/acme/asyncforge.git --vcs-ref v0.2.0
"""


@app.command(cls=_Command, epilog=NEW_EXAMPLES)
@with_question_flags()
def new(
    destination: Annotated[
        Path, typer.Argument(help="Folder to create the service in", metavar="DESTINATION")
    ],
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default for every unanswered question")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template source: a git URL, gh:owner/repo or a path (default: this asyncforge)",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Template git ref, e.g. a release tag (default: HEAD)"),
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--allow-dirty",
            help="Render a template checkout with uncommitted changes (template development)",
        ),
    ] = False,
    **answers: Any,
) -> None:
    """Render a new service. Without a terminal, unanswered questions take their defaults."""
    interactive = sys.stdin.isatty() and not defaults
    with _user_errors():
        from .project import create, next_steps

        made = create(
            destination,
            _given(answers),
            defaults=not interactive,
            template=template,
            vcs_ref=vcs_ref,
            allow_dirty=allow_dirty,
        )
    typer.echo(f"created {made}: locked at the tested versions, first commit made. Next:")
    typer.echo("  " + next_steps(made).replace("\n", "\n  "))


UPDATE_EXAMPLES = """\
\b
Examples:
  asyncforge update ../orders                         # the newest template release
  asyncforge update ../orders --redis                 # turn an option on
  asyncforge update ../orders --no-prometheus --yes   # turn one off (deletes its files)
  asyncforge update ../orders --vcs-ref v0.2.0        # a given release
"""


@app.command(name="update", cls=_Command, epilog=UPDATE_EXAMPLES)
@with_question_flags(default_text="the project's answer")
def update_command(
    project: Annotated[
        Path, typer.Argument(help="The service to update", metavar="PROJECT")
    ] = Path(),
    vcs_ref: Annotated[
        str | None, typer.Option("--vcs-ref", help="Template git ref (default: latest release)")
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Go ahead when changing an option deletes files you edited"),
    ] = False,
    **answers: Any,
) -> None:
    """Merge a newer template, or changed options, into a service, keeping your edits.
    Exits 1 and lists the files when the merge leaves conflicts to resolve."""
    with _user_errors():
        from .update import update

        report = update(project, _given(answers), vcs_ref=vcs_ref, assume_yes=yes, quiet=True)
    for line in report.changed:
        typer.echo(line)
    for name, conflicts in report.resources.items():
        typer.echo(
            f"resource {name}: "
            + (f"conflicts in {', '.join(conflicts)}" if conflicts else "updated")
        )
    if report.merge:
        typer.echo(
            f"{report.merge}: joins the template's new migrations and your own (both followed "
            "the same one)"
        )
    if report.jsonb:
        typer.echo(f"{report.jsonb}: your resources' JSON columns become jsonb on PostgreSQL")
    if report.updated_at:
        typer.echo(f"{report.updated_at}: your resources' tables get updated_at, from created_at")
    for path in report.imports:
        typer.echo(f"{path}: imports of the platform's moved modules rewritten (see CHANGELOG)")
    if report.conflicts:
        raise _fail(
            "the update left conflicts to resolve (markers or .rej files) in: "
            + ", ".join(report.conflicts)
        )
    typer.echo(f"updated: {len(report.changed)} files changed; review with git diff, then commit")


add_app = typer.Typer(
    help="Add to a service what a team adds every week.", no_args_is_help=True,
    rich_markup_mode=None,
)  # fmt: skip
app.add_typer(add_app, name="add")

ADD_RESOURCE_EXAMPLES = """\
\b
Examples:
  asyncforge add resource orders item_id:ref=items quantity:int status:str note:text:optional
  asyncforge add resource customers email:str:unique name:str born:date:optional
  asyncforge add resource people name:str:unique --singular person --project ../shop
  asyncforge add resource notes body:text --owned     # with users: each sees their own
  asyncforge add resource refunds order_id:ref=orders amount:decimal --write role:support
  asyncforge add resource order_tags order_id:ref=orders tag_id:ref=tags --unique order_id,tag_id
\b
Types: str (at most 200 characters), text (at most 10,000), int, decimal (two places), bool,
date, datetime, uuid, json (a JSON object), ref=<resource> (a reference to a row of that
resource; the name ends in _id; served with dashes: order_tags at /api/v1/order-tags).
Modifiers: optional (may be null), unique, index. --unique a,b: fields unique together (a join
resource of a many-to-many, say); repeat it for several groups.
"""


@add_app.command(name="resource", cls=_Command, epilog=ADD_RESOURCE_EXAMPLES)
def add_resource(
    name: Annotated[
        str,
        typer.Argument(help="Plural, lowercase name; also its path /api/v1/NAME", metavar="NAME"),
    ],
    fields: Annotated[
        list[str] | None,
        typer.Argument(
            help="NAME:TYPE[:MODIFIER...], one per field", metavar="FIELD:TYPE[:MODIFIER...]"
        ),
    ] = None,
    project: Annotated[
        Path, typer.Option("--project", help="The service (default: the current directory)")
    ] = Path(),
    singular: Annotated[
        str | None,
        typer.Option("--singular", help="One row's name where the plural rule misses it: person"),
    ] = None,
    read: Annotated[
        str | None,
        typer.Option(
            "--read",
            metavar="public|user|owner|role:NAME",
            help="Who may read its rows (a service with users): anyone (the default), any "
            "signed-in user, each their own (admins all), or users with a role of auth/roles.py",
        ),
    ] = None,
    write: Annotated[
        str | None,
        typer.Option(
            "--write",
            metavar="user|owner|role:NAME",
            help="Who may create, change and delete them: any signed-in user (the default), "
            "each their own rows, or users with that role",
        ),
    ] = None,
    private: Annotated[bool, typer.Option("--private", help="Short for --read user")] = False,
    owned: Annotated[
        bool, typer.Option("--owned", help="Short for --read owner --write owner")
    ] = False,
    unique: Annotated[
        list[str] | None,
        typer.Option(
            "--unique",
            metavar="FIELD,FIELD...",
            help="Fields unique together (409 on a second row with the same values); repeatable",
        ),
    ] = None,
) -> None:
    """Add a resource: its folder (model, schemas, repository, router), its test module, its
    migration and one line in each registry. Nothing is committed; review it with git diff.
    With users (auth=jwt), its writes need a signed-in user and its reads are public unless
    --read and --write say otherwise."""
    with _user_errors():
        from .resources import Access, add

        access = Access.of_flags(read, write, private=private, owned=owned)
        written = add(
            project, name, fields or [], singular=singular, access=access, unique_together=unique
        )
    for line in written:
        typer.echo(line)
    typer.echo(f"added {name}: {len(written)} files; run the tests (uv run pytest), then commit")


@app.command(name="resources")
def list_resources(
    project: Annotated[
        Path, typer.Option("--project", help="The service (default: the current directory)")
    ] = Path(),
) -> None:
    """List the service's resources, their fields and the template release each was made from."""
    with _user_errors():
        from .resources import describe

        found = describe(project)
    for resource in found:
        made = f"{resource.origin} {resource.release}" if resource.release else resource.origin
        typer.echo(f"{resource.name:<16} /api/v1/{resource.path:<16} made by {made}")
        if resource.fields:
            policy = resource.access.flags() if resource.access else []
            shown = [field.spec() for field in resource.fields] + policy
            typer.echo(f"{'':<16} {' '.join(shown)}")


@app.command()
def options() -> None:
    """List the template's questions, their values and defaults."""
    for question in questions():
        # As copier.yml and answers files spell it (the flags' help says on/off).
        shown = (
            str(question.default).lower() if question.type == "bool" else _default_text(question)
        )
        typer.echo(f"{question.name:<14} {question.describe_values():<28} default: {shown}")
        if question.help:
            typer.echo(f"{'':<14} {question.help}")


def _cell(phase: "Phase | None") -> str:
    if phase is None:
        return "[dim]-[/dim]"
    mark = "[green]ok[/green]" if phase.ok else "[red]FAIL[/red]"
    return f"{mark} {phase.seconds:.1f}s"


def _results_table(results: "list[tuple[Prepared, dict[str, Phase]]]") -> "Table":
    from rich.table import Table

    from .matrix.checks import PREPARE_PHASES

    table = Table("combination", "python", "backend", *PREPARE_PHASES, "test", "tests")
    table.title = "asyncforge matrix"
    for prepared, suites in results:
        phases = {phase.name: phase for phase in prepared.phases}
        cells = [_cell(phases.get(name)) for name in PREPARE_PHASES]
        for backend, phase in suites.items() or {"-": None}.items():
            counts = phase.test_counts() if phase else ""
            row = [prepared.run.combination.id, prepared.run.python, backend]
            table.add_row(*row, *cells, _cell(phase), counts)
    return table


class Backend(StrEnum):
    """`asyncforge matrix --backend`: where the rendered suites run (see matrix.backends)."""

    real = "real"
    embedded = "embedded"


MATRIX_EXAMPLES = """\
\b
Examples:
  asyncforge matrix                      # every run of the rotation
  asyncforge matrix --only orm=tortoise,redis=true --backend embedded
  asyncforge matrix --python 3.13 --keep # every combination on 3.13, projects kept
  asyncforge matrix --list --json        # the runs, for a CI job matrix
"""


@app.command(epilog=MATRIX_EXAMPLES)
def matrix(
    only: Annotated[
        str | None, typer.Option("--only", help="Filter, e.g. orm=tortoise,redis=true")
    ] = None,
    python: Annotated[
        list[str] | None,
        typer.Option(
            "--python",
            help="Run every selected combination on this Python (repeatable); "
            "default: the rotation (the default combination on every supported Python)",
        ),
    ] = None,
    backend: Annotated[
        list[Backend] | None,
        typer.Option(
            "--backend",
            metavar="[real|embedded]",
            help="Run the suites on this backend (repeatable); default: the rotation's, or both "
            "with --python",
        ),
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the rendered projects for inspection")
    ] = False,
    list_runs: Annotated[
        bool, typer.Option("--list", help="Print the runs instead of running them")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --list: JSON, e.g. for a CI job matrix")
    ] = False,
    explore: Annotated[
        int | None,
        typer.Option(
            "--explore",
            metavar="N",
            help="Instead: N seeded sequences of what teams do (new, add resource, update, "
            "copier update), each step checked; a failure is shrunk and shown with its seed",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="With --explore: the first seed (then seed+1, ...)")
    ] = 1,
    steps: Annotated[
        int, typer.Option("--steps", help="With --explore: steps after making the service")
    ] = 4,
    thorough: Annotated[
        bool,
        typer.Option(
            "--thorough",
            help="With --explore: the suite and schemathesis after every step, not the last only",
        ),
    ] = False,
) -> None:
    """Render, install, lint, type-check and test combinations of options on each backend; the
    same checks the generator's own tests run. Exits 1 when any fails."""
    if explore is not None:
        _explore(explore, seed, steps, backend[0].value if backend else "embedded", thorough)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .matrix import Phase, Prepared, prepare, runs, select, suite

    try:
        planned = runs(select(only), python, backends=[b.value for b in backend or ()])
    except ValueError as error:
        raise _fail(f"--only: {error}", 2) from None
    if not planned:
        raise _fail("--only matches no combination", 2)
    if list_runs:
        _print_runs(planned, as_json=as_json)
        return
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="asyncforge-matrix-"))
    results: list[tuple[Prepared, dict[str, Phase]]] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        bar = progress.add_task("matrix", total=len(planned))
        for slot, run in enumerate(planned, start=1):
            progress.update(bar, description=run.id)
            prepared = prepare(run, workdir)
            suites = {b: suite(prepared, b, slot=slot) for b in run.backends} if prepared.ok else {}
            results.append((prepared, suites))
            progress.advance(bar)
    console.print(_results_table(results))
    failed = []
    for prepared, suites in results:
        if not prepared.ok:
            failed.append(prepared.run.id)
            console.print(prepared.failure(), markup=False, highlight=False, style="red")
        for name, phase in suites.items():
            if not phase.ok:
                failed.append(f"{prepared.run.id}-{name}")
                console.print(f"{prepared.run.id} {phase.name} failed\n{phase.report()}",
                              markup=False, highlight=False, style="red")  # fmt: skip
    if keep:
        console.print(f"rendered projects kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    total = sum(len(run.backends) for run in planned)
    if failed:
        raise _fail(f"{len(failed)} of {total} runs failed: {', '.join(failed)}")
    console.print(f"all {total} runs passed")


def _explore(count: int, first: int, steps: int, backend: str, thorough: bool) -> None:
    from .matrix.explore import Outcome, explore

    def said(outcome: Outcome) -> None:
        typer.echo(outcome.report(trail=True))

    seeds = list(range(first, first + count))
    outcomes = explore(seeds, steps, backend, thorough=thorough, on_outcome=said)
    failed = [outcome.seed for outcome in outcomes if outcome.failure is not None]
    ran = sum(len(outcome.steps) for outcome in outcomes)
    if failed:
        raise _fail(f"{len(failed)} of {count} seeds failed ({ran} steps): {failed}")
    typer.echo(f"all {count} seeds held ({ran} steps)")


def _print_runs(planned: "list[Run]", *, as_json: bool) -> None:
    entries = [
        {
            "id": run.id,
            "combination": run.combination.id,
            "only": ",".join(f"{k}={str(v).lower()}" for k, v in run.combination.answers().items()),
            "python": run.python,
            "backends": list(run.backends),
        }
        for run in planned
    ]
    if as_json:
        typer.echo(json.dumps(entries))
        return
    for entry in entries:
        backends = " ".join(entry["backends"])
        typer.echo(f"{entry['combination']:<50} python {entry['python']}  {backends}")


@app.command()
def version() -> None:
    """Print asyncforge's version, and the template release a new project records (`_commit`)
    when it is not that version's tag."""
    from .template import template_release, template_root
    from .vcs import commits, newest_release

    typer.echo(f"asyncforge {__version__}")
    release, past = newest_release(template_root())
    if release is None:
        typer.echo(
            f"template {template_release()} (this checkout has no release tags: new projects "
            "render its HEAD and record that commit)"
        )
    elif release != f"v{__version__}" or past:
        ahead = f"; its HEAD is {commits(past)} past it (--vcs-ref HEAD)" if past else ""
        typer.echo(f"template {release} (the newest release, which new projects render{ahead})")
