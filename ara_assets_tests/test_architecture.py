"""The architecture rules of docs/CONTEXT.md and the design, checked on every test run.

- `lint-imports` (import-linter, contracts in pyproject.toml): pure packages import no Dagster, HTTP or
  database library and nothing above them; the domain layers point one way.
- No module imports another module's private name (a leading underscore) or a private module.
- Pure packages never read the environment: configuration reaches them as arguments.
- `ara_assets/settings.py` is the one module that reads ARA_* variables (ADR 0027).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ara_assets"
PURE = ("epc", "pcdb", "sap10", "property", "baseline", "prediction", "modelling")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted(PACKAGE.rglob("*.py"))]


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "lint-imports is missing: run `python3 dev.py setup` (import-linter is a dev dependency)"
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_name_crosses_a_module() -> None:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ara_assets"):
                if any(_private(part) for part in node.module.split(".")):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append(f"{where} imports private module {node.module}")
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{a.name}"
                    for a in node.names
                    if _private(a.name)
                ]
    assert found == []


def test_pure_packages_read_no_environment() -> None:
    found = []
    for path, tree in _modules():
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] not in PURE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads os.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "os":
                bad = [a.name for a in node.names if a.name in ("environ", "getenv")]
                found += [f"{path.relative_to(ROOT)}:{node.lineno} imports os.{b}" for b in bad]
    assert found == []


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _ara_name(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("ARA_"):
        return node.value
    return None


def test_only_settings_reads_ara_variables() -> None:
    """`ara_assets/settings.py` is the one reader of ARA_* variables (ADR 0027); others call its functions.
    Writes (the demo pointing the register at its emulator) are not reads."""
    found = []
    for path, tree in _modules():
        if path == PACKAGE / "settings.py":
            continue
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
                name = _ara_name(node.slice)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                func = node.func
                if (func.attr == "get" and _is_environ(func.value)) or func.attr == "getenv":
                    name = _ara_name(node.args[0])
            elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
                name = _ara_name(node.left)
            if name:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads {name}")
    assert found == []
