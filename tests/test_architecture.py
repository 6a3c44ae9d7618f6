"""The layering of DESIGN.md §2: imports point one way, and only the faces import the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "vectorstore", "evals", "benchmarks", "tests", "examples")
ALLOWED_CLI_IMPORTERS = {Path("tests/test_cli.py"), Path("tests/conftest.py")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """Every module ``path`` imports, relative imports resolved against its package."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def _python_files():
    for pkg in PACKAGES:
        yield from (p for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts)


def _resolves_to(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def test_nothing_outside_the_cli_imports_the_cli():
    offenders = []
    for path in _python_files():
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("agent", "cli") or rel in ALLOWED_CLI_IMPORTERS:
            continue
        offenders += [f"{rel}:{line} imports {target}" for line, target in _imports(path)
                      if _resolves_to(target, "agent.cli")]
    assert not offenders, "\n".join(offenders)


def test_vectorstore_imports_neither_agent_nor_evals_nor_langchain():
    offenders = []
    for path in (ROOT / "vectorstore").rglob("*.py"):
        offenders += [f"{path.relative_to(ROOT)}:{line} imports {target}"
                      for line, target in _imports(path)
                      if any(_resolves_to(target, p) for p in ("agent", "evals", "langchain",
                                                               "langchain_core"))]
    assert not offenders, "\n".join(offenders)


def test_agent_does_not_import_evals_except_the_eval_stage():
    offenders = []
    for path in (ROOT / "agent").rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel in (Path("agent/project/evaluate.py"), Path("agent/cli/eval_cmd.py")):
            continue
        offenders += [f"{rel}:{line} imports {target}" for line, target in _imports(path)
                      if _resolves_to(target, "evals")]
    assert not offenders, "\n".join(offenders)


def test_the_walker_sees_relative_imports():
    """The check above must not be fooled by relative imports of the CLI."""
    probe = ROOT / "agent" / "ask" / "probe.py"
    for source in ("from ..cli import app\n", "from ..cli.context import AppContext\n",
                   "from .. import cli\n", "import agent.cli.main\n"):
        assert any(_resolves_to(t, "agent.cli") for _, t in _imports(probe, source)), source
    assert not any(_resolves_to(t, "agent.cli") for _, t in
                   _imports(probe, "from ..client import x\nfrom . import cli\n"))
