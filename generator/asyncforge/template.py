"""Where the template lives and what its questions are, read from `copier.yml` itself: the CLI's
flags, the matrix's axes and the supported Pythons all come from here, so a question added to
`copier.yml` reaches every one of them without touching the generator."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_ENV = "ASYNCFORGE_TEMPLATE"
RESOURCE_ONLY = "{{ template_kind == 'resource' }}"
"""The `when` of the questions a resource's render asks and a service's never does."""


def template_root() -> Path:
    """This repository's root (the folder holding `copier.yml`), or `$ASYNCFORGE_TEMPLATE`."""
    override = os.environ.get(TEMPLATE_ENV)
    root = Path(override) if override else Path(__file__).resolve().parents[2]
    if not (root / "copier.yml").is_file():
        raise FileNotFoundError(f"no copier.yml in {root}; set {TEMPLATE_ENV} to the template")
    return root.resolve()


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    hidden: bool = False
    """`when: false`: never asked; a fact about the template, such as its supported Pythons."""
    resource_only: bool = False
    """Asked of a resource's render only (see `RESOURCE_ONLY`): not a flag of `new`."""

    @property
    def is_option(self) -> bool:
        """A feature switch (a bool or a choice): an axis of the matrix."""
        return not self.hidden and (self.type == "bool" or bool(self.choices))

    @property
    def values(self) -> tuple[Any, ...]:
        """Every value an option can take, its default first."""
        if self.type == "bool":
            return (bool(self.default), not self.default)
        return (self.default, *(value for value in self.choices if value != self.default))

    def describe_values(self) -> str:
        if self.choices:
            return " | ".join(self.choices)
        return "true | false" if self.type == "bool" else self.type


def template_release(root: Path | None = None) -> str | None:
    """The release Copier records as a new project's `_commit`: the checkout's version as
    dunamai reads it from git tags (`0.3.0` at the tag `v0.3.0`), or `None` outside git."""
    import dunamai  # Copier's own dependency, and Copier's way of reading the version

    try:
        found = dunamai.Version.from_git(
            pattern=dunamai.Pattern.DefaultUnprefixed, path=root or template_root()
        )
    except (RuntimeError, ValueError):
        return None
    return found.serialize(style=dunamai.Style.Pep440)


def _config(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / "copier.yml").read_text())
    return loaded


@cache
def _questions(root: Path) -> tuple[Question, ...]:
    found = []
    for name, spec in _config(root).items():
        if name.startswith("_") or not isinstance(spec, dict):
            continue
        choices = spec.get("choices") or {}
        values = tuple(str(v) for v in (choices.values() if isinstance(choices, dict) else choices))
        found.append(
            Question(
                name=name,
                type=str(spec.get("type", "str")),
                default=spec.get("default"),
                help=" ".join(str(spec.get("help", "")).split()),
                choices=values,
                hidden=spec.get("when") is False,
                resource_only=spec.get("when") == RESOURCE_ONLY,
            )
        )
    return tuple(found)


def questions(root: Path | None = None) -> list[Question]:
    """Every question a service's user answers, in `copier.yml`'s order (hidden facts and a
    resource's questions excluded)."""
    return [
        q
        for q in _questions((root or template_root()).resolve())
        if not (q.hidden or q.resource_only)
    ]


def options(root: Path | None = None) -> list[Question]:
    """The feature switches: the axes of the matrix."""
    return [q for q in questions(root) if q.is_option]


def fact(name: str, root: Path | None = None) -> Any:
    """A hidden question's value, e.g. `python_versions`."""
    for question in _questions((root or template_root()).resolve()):
        if question.name == name and question.hidden:
            return question.default
    raise KeyError(f"copier.yml has no hidden question {name!r}")


def recorded_releases(root: Path | None = None) -> list[dict[str, Any]]:
    """docs/releases.yml: every release, oldest first."""
    path = (root or template_root()) / "docs" / "releases.yml"
    found: list[dict[str, Any]] = yaml.safe_load(path.read_text()) or []
    return found


def resource_default(name: str, answers: dict[str, Any], root: Path | None = None) -> str:
    """What a resource question's default in `copier.yml` renders to for `answers`: the one
    place a rule such as a plural's singular is written, for plain `copier copy` and the CLI."""
    from jinja2.sandbox import SandboxedEnvironment  # Copier's own dependency, as it renders

    for question in _questions((root or template_root()).resolve()):
        if question.name == name and question.resource_only:
            rendered = SandboxedEnvironment().from_string(str(question.default)).render(answers)
            return rendered.strip()
    raise KeyError(f"copier.yml has no resource question {name!r}")
