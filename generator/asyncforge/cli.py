"""The `asyncforge` command: Copier renders; this adds a flag per question and friendly errors."""

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from copier.errors import CopierAnswersInterrupt, CopierError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .checks import PHASES, CombinationResult, check_combination, select
from .project import GeneratorError, create, update
from .template import questions

app = typer.Typer(
    help="Generate and maintain async FastAPI services from the asyncforge template.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

NameOpt = Annotated[
    str | None, typer.Option("--name", help="project_name: lowercase, digits, dashes")
]
PackageOpt = Annotated[str | None, typer.Option("--package", help="package_name")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="description")]
AuthorNameOpt = Annotated[str | None, typer.Option("--author-name", help="author_name")]
AuthorEmailOpt = Annotated[str | None, typer.Option("--author-email", help="author_email")]
OrmOpt = Annotated[str | None, typer.Option("--orm", help="orm: sqlalchemy or tortoise")]
RedisOpt = Annotated[bool | None, typer.Option("--redis/--no-redis", help="redis")]
TasksOpt = Annotated[str | None, typer.Option("--tasks", help="tasks: background_tasks or celery")]
PrometheusOpt = Annotated[
    bool | None, typer.Option("--prometheus/--no-prometheus", help="prometheus")
]


QUESTION_OF_FLAG = {
    "name": "project_name",
    "package": "package_name",
    "description": "description",
    "author_name": "author_name",
    "author_email": "author_email",
    "orm": "orm",
    "redis": "redis",
    "tasks": "tasks",
    "prometheus": "prometheus",
}


def _answers(arguments: dict[str, Any]) -> dict[str, Any]:
    """The questions given as flags (a command's arguments); Copier asks or defaults the rest."""
    return {
        question: arguments[flag]
        for flag, question in QUESTION_OF_FLAG.items()
        if arguments[flag] is not None
    }


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"asyncforge: {' '.join(message.split())}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.command()
def new(
    destination: Annotated[Path, typer.Argument(help="Folder to create the service in")],
    name: NameOpt = None,
    package: PackageOpt = None,
    description: DescriptionOpt = None,
    author_name: AuthorNameOpt = None,
    author_email: AuthorEmailOpt = None,
    orm: OrmOpt = None,
    redis: RedisOpt = None,
    tasks: TasksOpt = None,
    prometheus: PrometheusOpt = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default for every unanswered question")
    ] = False,
    vcs_ref: Annotated[
        str, typer.Option("--vcs-ref", help="Template git ref, e.g. a release tag")
    ] = "HEAD",
) -> None:
    """Render a new service. Without a terminal, unanswered questions take their defaults."""
    answers = _answers(locals())
    interactive = sys.stdin.isatty() and not defaults
    try:
        create(destination, answers, defaults=not interactive, vcs_ref=vcs_ref)
    except CopierAnswersInterrupt:
        raise _fail("cancelled", 130) from None
    except (ValueError, CopierError, GeneratorError, OSError) as error:
        raise _fail(str(error)) from None


@app.command(name="update")
def update_command(
    project: Annotated[Path, typer.Argument(help="The service to update")] = Path(),
    name: NameOpt = None,
    package: PackageOpt = None,
    description: DescriptionOpt = None,
    author_name: AuthorNameOpt = None,
    author_email: AuthorEmailOpt = None,
    orm: OrmOpt = None,
    redis: RedisOpt = None,
    tasks: TasksOpt = None,
    prometheus: PrometheusOpt = None,
    vcs_ref: Annotated[
        str | None, typer.Option("--vcs-ref", help="Template git ref (default: latest tag)")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Go ahead when turning an option off deletes files")
    ] = False,
) -> None:
    """Merge a newer template, or turned-on options, into a service, keeping your edits.
    Exits 1 and lists the files when the merge leaves conflicts to resolve."""
    changes = _answers(locals())
    try:
        report = update(project, changes, vcs_ref=vcs_ref, assume_yes=yes, quiet=True)
    except CopierAnswersInterrupt:
        raise _fail("cancelled", 130) from None
    except (ValueError, CopierError, GeneratorError, OSError) as error:
        raise _fail(str(error)) from None
    for line in report.changed:
        typer.echo(line)
    if report.conflicts:
        raise _fail(
            "the update left conflicts to resolve (markers or .rej files) in: "
            + ", ".join(report.conflicts)
        )
    typer.echo(f"updated: {len(report.changed)} files changed; review with git diff, then commit")


@app.command()
def options() -> None:
    """List the template's questions, their values and defaults."""
    for question in questions():
        values = " | ".join(question.choices) if question.choices else question.type
        default = question.default
        if isinstance(default, str) and "{{" in default:
            default = "computed from project_name"
        typer.echo(f"{question.name:<14} {values:<28} default: {default}")
        if question.help:
            typer.echo(f"{'':<14} {question.help}")


def _results_table(results: list[CombinationResult]) -> Table:
    table = Table("combination", *PHASES, "tests", title="asyncforge matrix")
    for result in results:
        cells = []
        for name in PHASES:
            phase = result.phase(name)
            if phase is None:
                cells.append("[dim]-[/dim]")
            else:
                mark = "[green]ok[/green]" if phase.ok else "[red]FAIL[/red]"
                cells.append(f"{mark} {phase.seconds:.1f}s")
        table.add_row(result.combination.id, *cells, result.test_counts())
    return table


@app.command()
def matrix(
    only: Annotated[
        str | None,
        typer.Option("--only", help="Filter, e.g. orm=tortoise,redis=true"),
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the rendered projects for inspection")
    ] = False,
) -> None:
    """Render, install, lint, type-check and test every combination of options (or --only some);
    the same checks the generator's own tests run. Exits 1 when any fails."""
    try:
        combinations = select(only)
    except ValueError as error:
        raise _fail(f"--only: {error}", 2) from None
    if not combinations:
        raise _fail("--only matches no combination", 2)
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="asyncforge-matrix-"))
    results: list[CombinationResult] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        bar = progress.add_task("matrix", total=len(combinations))
        for slot, combination in enumerate(combinations, start=1):
            progress.update(bar, description=combination.id)
            results.append(check_combination(combination, workdir, slot=slot))
            progress.advance(bar)
    console.print(_results_table(results))
    for result in results:
        for fallback in result.fallbacks:
            console.print(f"[yellow]{result.combination.id}: not real: {fallback}[/yellow]")
        if not result.ok:
            console.print(f"[red]{result.failure()}[/red]", markup=False, highlight=False)
    if keep:
        console.print(f"rendered projects kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = [result.combination.id for result in results if not result.ok]
    if failed:
        raise _fail(f"{len(failed)} of {len(results)} combinations failed: {', '.join(failed)}")
    console.print(f"all {len(results)} combinations passed")


@app.command()
def version() -> None:
    """Print asyncforge's version."""
    typer.echo(__version__)
