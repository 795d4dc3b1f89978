"""The core imports only the standard library, pydantic and numpy (DESIGN.md habit 1)."""

from __future__ import annotations

import ast
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "frontdesk" / "core"
ALLOWED_THIRD_PARTY = {"numpy", "pydantic"}


def _parse(source: str) -> ast.Module:
    """Parsed on a fresh thread: CPython 3.11's parser checks the thread's recursion
    counter, and an earlier test that caught a RecursionError on the main thread can
    leave it off ("AST constructor recursion depth mismatch")."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(ast.parse, source).result()


def _imports(path: Path) -> set[str]:
    tree = _parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_nothing_outside_stdlib_pydantic_numpy() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "frontdesk":
                if not (name.startswith("frontdesk.core") or name == "frontdesk.errors"):
                    offenders.append(f"{path.name}: {name}")
            elif top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
