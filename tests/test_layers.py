"""The floors of the house, as rules a change cannot break unnoticed.

- ``tasks/`` holds Prefect tasks and nothing else. Precisely: at the top level of a public module
  under ``tasks/`` (a name not starting with ``_``), every function is decorated ``@task``,
  every other function and every class is private (``_name``), and every assigned name is
  private or an UPPER_CASE constant (an artifact key, say). What a task calls — queries,
  documents, notices, SMTP — is a service in ``models/``; a private module (``tasks/_caching``)
  holds the task options the tasks share.
- ``policy/`` is pure: none of its modules imports another package of this project, not even
  inside a function or for type checking; it is what everything else builds on.
- Every package has its floor (`FLOORS`, lowest first): a module imports only from its own floor
  and those below, inside functions too, and no two modules import each other, directly or
  round a longer circle.
- An import inside a function is a measured start-up cost avoided, or an order Prefect needs:
  each module that imports inside functions names what it imports so, and why, in its
  docstring. Everything else is imported at the top, where a reader looks for it.
- A lifecycle or deadline-check run imports neither the notices nor the handling form nor
  their libraries until it sends a notice or writes a form (their cost is named where they
  are imported).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = frozenset(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()) | {"bench"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _is_task(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "task") or (
        isinstance(target, ast.Attribute) and target.attr == "task"
    )


def _not_a_task(tree: ast.Module) -> list[str]:
    """The top-level names of a tasks module that break the rule, with their line."""
    found = []
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not any(_is_task(d) for d in node.decorator_list):
                names = [node.name]
        elif isinstance(node, ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name) and not t.id.isupper()]
        found += [f"{name} (line {node.lineno})" for name in names if not name.startswith("_")]
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in _modules("tasks") if not p.name.startswith("_")],
    ids=lambda p: p.name,
)
def test_a_tasks_module_defines_only_prefect_tasks_and_private_helpers(path: Path) -> None:
    offending = _not_a_task(ast.parse(path.read_text(encoding="utf-8")))
    assert not offending, f"{path.relative_to(ROOT)}: not a task, so a service: {offending}"


def _imported_packages(tree: ast.Module) -> set[str]:
    packages = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.partition(".")[0])
    return packages


@pytest.mark.parametrize("path", _modules("policy"), ids=lambda p: p.name)
def test_policy_imports_nothing_of_ours(path: Path) -> None:
    ours = _imported_packages(ast.parse(path.read_text(encoding="utf-8"))) & (OURS - {"policy"})
    assert not ours, f"{path.relative_to(ROOT)} imports {sorted(ours)}: policy stays pure"


# Lowest first. The settings and the gateway to the Prefect API sit low so that the services,
# tasks and the web app can use them; the operator's tooling and command sit on top.
FLOORS = (
    "policy",
    "config",
    "orchestration",
    "models",
    "services",
    "tasks",
    "flows",
    "web",
    "deployments",
    "complaints",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ours that ``path`` imports, anywhere in it (a package's submodule when
    it is imported by name from its package, else the nearest package or module known)."""

    def nearest(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {nearest(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else nearest(module)
                for alias in node.names
            }
    return {name for name in found if name is not None} - {_module_name(path)}


def _import_graph(packages: tuple[str, ...] = FLOORS) -> dict[str, set[str]]:
    paths = {_module_name(path): path for package in packages for path in _modules(package)}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _upward(graph: dict[str, set[str]]) -> list[str]:
    def floor(name: str) -> int:
        return FLOORS.index(name.partition(".")[0])

    return sorted(
        f"{name} imports {imported}"
        for name, imported_names in graph.items()
        for imported in imported_names
        if floor(imported) > floor(name)
    )


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import one another round a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for imported in graph.get(name, ()):
            if imported not in index:
                visit(imported)
                low[name] = min(low[name], low[imported])
            elif imported in stack:
                low[name] = min(low[name], index[imported])
        if low[name] == index[name]:
            group = []
            while (member := stack.pop()) != name:
                group.append(member)
            if group:
                circles.append(sorted([name, *group]))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return circles


def test_every_package_has_its_floor() -> None:
    assert set(FLOORS) | {"bench", "tests"} == OURS


def test_no_module_imports_from_a_higher_floor() -> None:
    assert _upward(_import_graph()) == []


def test_no_modules_import_each_other() -> None:
    assert _circles(_import_graph()) == []


def _deferred_imports(tree: ast.Module) -> set[str]:
    """The modules a module imports inside its functions."""
    found: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
    return found


def _unexplained(tree: ast.Module) -> list[str]:
    """Deferred imports the module's docstring does not name (it may name a package or the
    module's last part, in double backticks: ``prefect`` covers ``prefect.settings``)."""
    named = set(re.findall(r"``([\w.]+)``", ast.get_docstring(tree) or ""))
    return sorted(
        module
        for module in _deferred_imports(tree)
        if not any(
            module == name or module.startswith(f"{name}.") or module.endswith(f".{name}")
            for name in named
        )
    )


@pytest.mark.parametrize(
    "path",
    [path for package in FLOORS for path in _modules(package)],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_an_import_inside_a_function_is_explained_in_the_module_docstring(path: Path) -> None:
    unexplained = _unexplained(ast.parse(path.read_text(encoding="utf-8")))
    assert not unexplained, (
        f"{path.relative_to(ROOT)} imports {unexplained} inside functions: import them at the "
        "top, or name them and the start-up cost they save in the module docstring"
    )


def test_the_rules_see_what_they_are_meant_to_see() -> None:
    service = ast.parse("def render(): ...\nclass Form: ...\nlimit = 3\nKEY = 'k'\n")
    assert _not_a_task(service) == ["render (line 1)", "Form (line 2)", "limit (line 3)"]
    tasks = ast.parse("@task(name='x')\ndef a(): ...\n@task\ndef b(): ...\ndef _c(): ...\n")
    assert _not_a_task(tasks) == []
    assert _imported_packages(ast.parse("def f():\n    from models.db import x\n")) == {"models"}
    assert {"models", "tasks", "flows", "complaints", "web"} <= OURS
    assert _upward({"services.steps": {"web.actions"}, "web.api": {"services.steps"}}) == [
        "services.steps imports web.actions"
    ]
    circle = {"web.a": {"web.b"}, "web.b": {"web.c"}, "web.c": {"web.a"}, "web.d": {"web.a"}}
    assert _circles(circle) == [["web.a", "web.b", "web.c"]]
    lazy = ROOT / "web" / "actions.py"
    graph = _import_graph()
    assert "web.prefect_lane" in graph[_module_name(lazy)]
    assert "models.clock" in graph["models.db"]  # imported by name from its package
    lazy_tree = ast.parse(
        '"""Loads ``prefect`` late."""\ndef f():\n    import prefect.settings\n    import json\n'
    )
    assert _unexplained(lazy_tree) == ["json"]


def test_a_resumed_run_does_not_import_notices_or_the_form() -> None:
    heavy = (
        "docx",
        "aiosmtplib",
        "services.notices",
        "services.delivery",
        "services.handling_form",
    )
    code = (
        "import sys, flows.complaint_lifecycle, flows.deadline_check\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
