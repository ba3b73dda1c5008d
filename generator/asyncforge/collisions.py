"""The names a resource's fields must not take, derived from the code that would hold them.

A field becomes an attribute of the resource's model and schema classes (with Tortoise, a
reference `customer_id` also makes `customer`). There it must not repeat another attribute of the
class (`id`, `created_at`, an owned resource's `owner_id`), hide a name the class body itself
uses (`datetime`, `fields`, `str`), or override an attribute of a base class (pydantic's `json`,
`schema`, `copy`; the ORM's `metadata`, `save`, `pk`). The first two are read from the resource
as rendered; the bases' attributes from the project's own environment, with the library versions
it has. So the refusal follows the template and the libraries, not a list kept by hand."""

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CLASS_MODULES = ("models.py", "schemas.py")
"""The modules of a resource whose classes have the fields as attributes."""

BaseRef = tuple[str, str]
"""A base class as (module to import, dotted attribute of it)."""
ReadAttributes = Callable[[list[BaseRef]], Mapping[BaseRef, set[str]]]
"""The public attributes of each base class, read where the project's libraries are installed."""


@dataclass
class ClassBody:
    module: str
    name: str
    stored: list[str] = field(default_factory=list)
    """Attributes the body defines, in order (assignments and annotations)."""
    loaded: set[str] = field(default_factory=set)
    """Names the body reads (its annotations and the calls that make its columns)."""
    bases: list[BaseRef] = field(default_factory=list)
    local_bases: list[str] = field(default_factory=list)


def _imported(tree: ast.Module, module: str) -> dict[str, BaseRef]:
    """Each name a module imports, as (module, attribute); relative imports made absolute."""
    found: dict[str, BaseRef] = {}
    package = module.split(".")[:-1]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                found[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                found[alias.asname or top] = (alias.name if alias.asname else top, "")
    return found


def _base(expression: ast.expr, imported: Mapping[str, BaseRef]) -> BaseRef | None:
    parts: list[str] = []
    while isinstance(expression, ast.Attribute):
        parts.insert(0, expression.attr)
        expression = expression.value
    if not isinstance(expression, ast.Name) or expression.id not in imported:
        return None
    source, name = imported[expression.id]
    return source, ".".join(part for part in (name, *parts) if part)


def _loaded(statement: ast.stmt) -> set[str]:
    """Names a class-body statement reads; nested classes and functions have scopes of their
    own and are left out."""
    if isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def read_classes(path: Path, module: str) -> list[ClassBody]:
    tree = ast.parse(path.read_text())
    imported = _imported(tree, module)
    local = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    classes = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        body = ClassBody(module, node.name)
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in local:
                body.local_bases.append(base.id)
            elif (found := _base(base, imported)) is not None:
                body.bases.append(found)
        for statement in node.body:
            body.loaded |= _loaded(statement)
            targets: Iterable[ast.expr] = ()
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            body.stored += [
                t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")
            ]
        classes.append(body)
    return classes


@dataclass(frozen=True)
class Collision:
    field: str
    """The field, as given (`name:type:modifiers`), that would define the attribute."""
    attribute: str
    why: str

    def message(self) -> str:
        return f"field {self.field!r}: {self.attribute!r} is taken ({self.why}); pick another name"


def collisions(
    folder: Path, module: str, fields: Mapping[str, str], read_attributes: ReadAttributes
) -> list[Collision]:
    """What the fields of a resource rendered in `folder` (the package `module`) would break.
    `fields` maps each attribute a field defines to the field as given."""
    classes = [
        body
        for name in CLASS_MODULES
        if (folder / name).is_file()
        for body in read_classes(folder / name, f"{module}.{name.removesuffix('.py')}")
    ]
    by_name = {body.name: body for body in classes}
    attributes = read_attributes(sorted({base for body in classes for base in body.bases}))

    def inherited(body: ClassBody) -> set[str]:
        found = set().union(*(attributes.get(base, set()) for base in body.bases))
        for local in body.local_bases:
            found |= set(by_name[local].stored) | inherited(by_name[local])
        return found

    found: list[Collision] = []
    for body in classes:
        from_bases = inherited(body)
        for attribute in dict.fromkeys(body.stored):
            field_name = fields.get(attribute)
            if field_name is None:
                continue
            if body.stored.count(attribute) > 1:
                why = f"{body.name} has an attribute of that name already"
            elif attribute in body.loaded:
                why = f"{body.name} uses {attribute} in its own definition"
            elif attribute in from_bases:
                why = f"{body.name} inherits an attribute of that name"
            else:
                continue
            found.append(Collision(field_name, attribute, why))
    return found


READ_ATTRIBUTES = """
import importlib, json, sys
found = {}
for module, dotted in json.loads(sys.argv[1]):
    value = importlib.import_module(module)
    for part in filter(None, dotted.split(".")):
        value = getattr(value, part)
    names = [n for n in dir(value) if not n.startswith("_")] if isinstance(value, type) else []
    found[f"{module}:{dotted}"] = names
print("attributes:", json.dumps(found))
"""
"""Run in the project's environment with the bases as a JSON list: prints their public
attributes on a line of its own (uv may print its own lines around it)."""
