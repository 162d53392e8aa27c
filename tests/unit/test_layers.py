"""The folders are the layers: the call logic never imports Flask, nor the layers built on it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

IVR = Path(__file__).resolve().parents[2] / "ivr"
LINE = sorted((IVR / "line").glob("*.py"))
# What the call logic may not import: the web framework, and every layer that sits on top of it.
ABOVE: tuple[str, ...] = ("flask", "werkzeug", "ivr.app", "ivr.component", "ivr.webhook", "ivr.tryout")
ABOVE += ("ivr.ops", "ivr.stats", "ivr.audio", "ivr.staff", "ivr.pages", "ivr.cli", "ivr.settings")


def imported(path: Path) -> set[str]:
    """Every module a source file imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("path", LINE, ids=[path.name for path in LINE])
def test_the_call_logic_imports_nothing_above_it(path: Path) -> None:
    above = {name for name in imported(path) if name.startswith(ABOVE)}
    assert above == set(), f"{path.name} imports {sorted(above)}"


def test_the_call_logic_loads_without_flask() -> None:
    modules = ", ".join(f"ivr.line.{path.stem}" for path in LINE if path.stem != "__init__")
    web = "('flask', 'werkzeug')"
    script = f"import sys, {modules}; print(sorted(m for m in sys.modules if m.split('.')[0] in {web}))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# The layers contract in pyproject.toml (`lint-imports`, run by `make lint`) keeps each layer above the ones
# below; modules within one layer may import each other, so circles are looked for here, module by module.
def circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The groups of modules that import each other round in a circle (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_a_circle_is_found() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c", "d"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    graph.add_import(importer="c", imported="d")
    assert circles(graph) == [{"a", "b", "c"}]


def test_no_module_imports_itself_back() -> None:
    # Imports inside functions count too: a deferred import is still a circle a reader must untangle.
    assert circles(grimp.build_graph("ivr", cache_dir=None)) == []
