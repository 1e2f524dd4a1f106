"""The floors of the house, as rules a change cannot break unnoticed.

- ``tasks/`` holds Prefect tasks and nothing else. Precisely: at the top level of a public module
  under ``tasks/`` (a name not starting with ``_``), every function is decorated ``@task``,
  every other function and every class is private (``_name``), and every assigned name is
  private or an UPPER_CASE constant (an artifact key, say). What a task calls — queries,
  documents, notices, SMTP — is a service in ``models/``; a private module (``tasks/_caching``)
  holds the task options the tasks share.
- ``policy/`` is pure: none of its modules imports another package of this project, not even
  inside a function or for type checking; it is what everything else builds on.
- A lifecycle or deadline-check run imports neither the notices nor the handling form nor
  their libraries until it sends a notice or writes a form (their cost is named where they
  are imported).
"""

from __future__ import annotations

import ast
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


def test_the_rules_see_what_they_are_meant_to_see() -> None:
    service = ast.parse("def render(): ...\nclass Form: ...\nlimit = 3\nKEY = 'k'\n")
    assert _not_a_task(service) == ["render (line 1)", "Form (line 2)", "limit (line 3)"]
    tasks = ast.parse("@task(name='x')\ndef a(): ...\n@task\ndef b(): ...\ndef _c(): ...\n")
    assert _not_a_task(tasks) == []
    assert _imported_packages(ast.parse("def f():\n    from models.db import x\n")) == {"models"}
    assert {"models", "tasks", "flows", "complaints", "web"} <= OURS


def test_a_resumed_run_does_not_import_notices_or_the_form() -> None:
    heavy = ("docx", "aiosmtplib", "models.notices", "models.delivery", "models.handling_form")
    code = (
        "import sys, flows.complaint_lifecycle, flows.deadline_check\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
