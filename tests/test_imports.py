"""The import contract: shared/ stays below the apps, and the pure engine stays off the store.

An equivalent of import-linter's contracts (harlequin keeps its core free of
Textual this way), read from the source with ast so that an import inside a
function counts as much as one at the top, and checked again in a fresh
interpreter for what a real import loads. The same reading of the source keeps
the default language defined once, in shared/vocabulary.py.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"

# Layers above shared/ and the UI frameworks: shared/ is imported by them, never the reverse.
ABOVE_SHARED = frozenset({"flask", "werkzeug", "textual", "rich", "kiosk", "sms_gateway",
                          "faelles"})
# The store: the engine and the text rules decide, they never read or write.
STORE = frozenset({"sqlite_utils", "sqlite3", "pysqlite3", "shared.db"})
# The pure modules; whatever they import from shared/ is held to the same rule.
PURE = ("shared.engine", "shared.sms_text", "shared.keywords", "shared.meeting_time",
        "shared.matching")


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under ROOT."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str) -> Path | None:
    """Return the source file of a module in this checkout, or None if it is not ours."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(source: str, module: str, is_package: bool = False) -> set[str]:
    """Return every module an import statement anywhere in source names, absolute and dotted."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(filter(None, [*parent, node.module or ""]))
            else:
                base = node.module or ""
            names.add(base)
            # `from shared import db` imports the module shared.db.
            names.update(f"{base}.{alias.name}" for alias in node.names
                         if module_path(f"{base}.{alias.name}"))
    return names


def imports_of(name: str) -> set[str]:
    """Return what the module called name imports, read from its source."""
    path = module_path(name)
    return imported_names(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")


def with_parents(name: str) -> list[str]:
    """Return name and the packages an import of it runs first: a.b.c -> a, a.b, a.b.c."""
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def closure(roots) -> dict[str, str]:
    """Return every module of ours that importing roots runs, each with who imported it."""
    seen: dict[str, str] = {}
    todo = [(root, "(root)") for root in roots]
    while todo:
        name, importer = todo.pop()
        for module in with_parents(name):
            if module in seen or module_path(module) is None:
                continue
            seen[module] = importer
            todo.extend((imported, module) for imported in imports_of(module))
    return seen


def chain(module: str, reached: dict[str, str]) -> list[str]:
    """Return module and who imported it, back to the root: why the module is loaded."""
    path = [module]
    while reached.get(path[-1], "(root)") != "(root)":
        path.append(reached[path[-1]])
    return path


def hits(names: set[str], forbidden: frozenset[str]) -> set[str]:
    """Return the names that are a forbidden module or inside one."""
    return {n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)}


SHARED_MODULES = sorted(module_name(path) for path in SHARED.rglob("*.py"))


def test_the_scanner_sees_imports_inside_functions_and_relative_ones():
    source = ("import os\nfrom . import db\n"
              "def later():\n    import flask\n    from textual.app import App\n")
    names = imported_names(source, "shared.example")
    assert {"os", "flask", "textual.app", "shared", "shared.db"} <= names
    assert hits(names, ABOVE_SHARED) == {"flask", "textual.app"}


def test_every_shared_module_is_checked():
    assert {"shared.engine", "shared.offers", "shared.services.sms",
            "shared.services.coordinator"} <= set(SHARED_MODULES)


@pytest.mark.parametrize("module", SHARED_MODULES)
def test_shared_imports_nothing_above_it(module):
    assert hits(imports_of(module), ABOVE_SHARED) == set()


@pytest.mark.parametrize("root", PURE)
def test_pure_modules_import_no_store_even_indirectly(root):
    reached = closure([root])
    offenders = {module: sorted(hits(imports_of(module), STORE | ABOVE_SHARED))
                 for module in reached}
    found = {m: names for m, names in offenders.items() if names}
    assert found == {}, "; ".join(f"{' <- '.join(chain(m, reached))} imports {', '.join(names)}"
                                  for m, names in found.items())


def loaded_by(statement: str) -> set[str]:
    """Return sys.modules after running statement in a fresh interpreter."""
    code = f"{statement}; import sys; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("root", PURE)
def test_importing_a_pure_module_loads_no_store(root):
    assert hits(loaded_by(f"import {root}"), STORE | ABOVE_SHARED) == set()


def test_importing_all_of_shared_loads_neither_app_nor_ui():
    statement = "; ".join(f"import {module}" for module in SHARED_MODULES)
    assert hits(loaded_by(statement), ABOVE_SHARED) == set()


# --- one definition of the default language ------------------------------------------------


def default_language_literals(source: str) -> list[int]:
    """Return the lines where "da" is a constant, a parameter default or an `or` fallback."""
    def is_da(node) -> bool:
        return isinstance(node, ast.Constant) and node.value == "da"

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and is_da(node.value):
            lines.append(node.lineno)
        elif isinstance(node, ast.arguments):
            lines += [d.lineno for d in (*node.defaults, *node.kw_defaults) if is_da(d)]
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            lines += [v.lineno for v in node.values if is_da(v)]
    return lines


def test_the_default_language_is_defined_once():
    # Catalog keys such as {"da": ...} in keywords and demo data are data, not the default.
    found = {str(path.relative_to(ROOT)): default_language_literals(path.read_text("utf-8"))
             for path in SHARED.rglob("*.py") if path != SHARED / "vocabulary.py"}
    assert {path: lines for path, lines in found.items() if lines} == {}
    from shared import communities, engine, i18n, vocabulary

    assert i18n.DEFAULT_LOCALE is vocabulary.DEFAULT_LOCALE == "da"
    assert engine.DEFAULT_LANGUAGE is communities.DEFAULT_LANGUAGE is vocabulary.DEFAULT_LOCALE
