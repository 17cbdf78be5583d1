"""The package follows its pipeline: no module imports from a module above it.

    text --syntax/--> nodes --model/--> validated model --engine/--> program, Result

Every module of `src/spinerules` belongs to one layer below; an import may go to the same layer
or down, never up (counting imports inside functions and under `TYPE_CHECKING` too). The
imports that run when a module is imported form no cycle. A new module must be given a layer
here, which is where its place in the pipeline is decided.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

import spinerules

PACKAGE = Path(spinerules.__file__).parent

#: lowest first; a module's layer is that of the longest prefix listed
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "_resources", "_collector", "suggest", "syntax.source", "syntax.operators"),
    ("errors", "diagnostics"),
    ("syntax",),
    ("model",),
    ("engine",),
    ("api", "filetests", "analysis", "testing", "screening", "decisionlog", "report"),
    # "": the package itself
    (
        "cli",
        "server",
        "lsp",
        "highlight",
        "pytest_plugin",
        "spark",
        "__main__",
        "analysis.__main__",
        "",
    ),
)

#: (importing module, function) -> the module it may import although it is above: entry points
#: that hand over to the command line
ENTRY_POINTS: Mapping[tuple[str, str], str] = {("analysis", "main"): "cli"}


@attrs.frozen
class Import:
    importer: str  # module, relative to the package ("" for the package itself)
    imported: str
    function: str | None  # the enclosing function, if the import is inside one
    at_import_time: bool  # runs when the importer is imported (not in a function/TYPE_CHECKING)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        if not (node.module or "").startswith("spinerules"):
            return []
        base = (node.module or "").removeprefix("spinerules").lstrip(".").split(".")
    else:
        here = importer.split(".") if importer else []
        if not is_package:
            here = here[:-1]
        named = node.module.split(".") if node.module else []
        base = here[: len(here) - (node.level - 1)] + named
    base = [p for p in base if p]
    found = []
    for alias in node.names:  # `from . import nodes` names a module; `from .x import y` does not
        candidate = ".".join([*base, alias.name])
        found.append(candidate if _exists(candidate) else ".".join(base))
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def visit(node: ast.AST, function: str | None, deferred: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, function or child.name, True)
                continue
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from visit(child, function, True)
                continue
            if isinstance(child, ast.ImportFrom):
                for name in _resolve(importer, is_package, child):
                    yield Import(importer, name, function, not deferred, child.lineno)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "spinerules" or alias.name.startswith("spinerules."):
                        name = alias.name.removeprefix("spinerules").lstrip(".")
                        yield Import(importer, name, function, not deferred, child.lineno)
            yield from visit(child, function, deferred)

    yield from visit(tree, None, False)


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for layer, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or (prefix and module.startswith(prefix + "."))
            if inside and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    if best is None:
        raise LookupError(f"`{module}` has no layer in tests/test_layers.py")
    return best[1]


def upward(found: list[Import]) -> list[str]:
    """Every import that goes up a layer and is not an entry point's hand-over."""
    wrong = []
    for imp in found:
        if layer_of(imp.imported) <= layer_of(imp.importer):
            continue
        if (
            imp.function is not None
            and ENTRY_POINTS.get((imp.importer, imp.function)) == (imp.imported.split(".")[0])
        ):
            continue
        wrong.append(f"{imp.importer}:{imp.line} imports {imp.imported}")
    return wrong


def cycles(found: list[Import]) -> list[list[str]]:
    """The cycles among the imports that run at import time (a depth-first search)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.at_import_time and imp.imported != imp.importer:
            graph.setdefault(imp.importer, set()).add(imp.imported)
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []
    out: list[list[str]] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for nxt in sorted(graph.get(module, ())):
            # a package's __init__ importing its own modules is how packages work
            if module == "" or (nxt.startswith(module + ".") and module in _packages()):
                continue
            if state.get(nxt) == 1:
                out.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    return out


def _packages() -> set[str]:
    return {module_name(p) for p in PACKAGE.rglob("__init__.py")}


def all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path)]


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))  # raises for a module no layer names


def test_no_import_goes_up_the_pipeline() -> None:
    found = all_imports()
    assert len(found) > 100  # the scan sees the package's imports
    assert upward(found) == []


def test_the_imports_that_run_at_import_time_have_no_cycle() -> None:
    assert cycles(all_imports()) == []


def test_the_stages_are_in_pipeline_order() -> None:
    order = [layer_of(m) for m in ("syntax.reader", "model.validate", "engine.codegen", "cli")]
    assert order == sorted(order) and len(set(order)) == 4


def test_the_checks_see_an_upward_import_and_a_cycle() -> None:
    # the checks themselves can fail: an engine module reaching into the command line, a model
    # module into the engine from inside a function, and two modules importing each other
    made = [
        Import("engine.result", "cli.output", None, True, 1),
        Import("model.validate", "engine.logic", "check", False, 2),
        Import("syntax.reader", "syntax.format", None, True, 3),
        Import("syntax.format", "syntax.reader", None, True, 4),
    ]
    assert upward(made) == [
        "engine.result:1 imports cli.output",
        "model.validate:2 imports engine.logic",
    ]
    assert cycles(made) == [["syntax.format", "syntax.reader", "syntax.format"]]


def test_only_a_listed_entry_point_may_hand_over_to_the_command_line() -> None:
    handed = Import("analysis", "cli", "main", False, 1)
    elsewhere = Import("analysis", "cli", "analyze", False, 2)
    assert upward([handed]) == []
    assert upward([elsewhere]) == ["analysis:2 imports cli"]
