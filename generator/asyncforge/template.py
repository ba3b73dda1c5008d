"""Where the template lives and what its questions are, read from `copier.yml` itself."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_ENV = "ASYNCFORGE_TEMPLATE"


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


def questions(root: Path | None = None) -> list[Question]:
    config: dict[str, Any] = yaml.safe_load(((root or template_root()) / "copier.yml").read_text())
    found = []
    for name, spec in config.items():
        if name.startswith("_") or not isinstance(spec, dict):
            continue
        choices = spec.get("choices") or {}
        values = tuple(str(v) for v in (choices.values() if isinstance(choices, dict) else choices))
        found.append(
            Question(
                name=name,
                type=str(spec.get("type", "str")),
                default=spec.get("default"),
                help=str(spec.get("help", "")),
                choices=values,
            )
        )
    return found
