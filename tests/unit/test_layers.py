"""The folders are the layers: the call logic never imports Flask, nor the layers built on it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

IVR = Path(__file__).resolve().parents[2] / "ivr"
LINE = sorted((IVR / "line").glob("*.py"))
# What the call logic may not import: the web framework, and every layer that sits on top of it.
ABOVE = ("flask", "werkzeug", "ivr.app", "ivr.state", "ivr.webhook", "ivr.tryout", "ivr.ops", "ivr.stats")
ABOVE += ("ivr.audio", "ivr.staff", "ivr.pages", "ivr.cli", "ivr.settings")


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
