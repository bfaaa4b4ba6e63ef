#!/usr/bin/env python3
"""Bootstrap for Ara: the two commands of the README's quick start.

    python3 dev.py demo [ARGS...]   set up .venv, then run the demo pipeline (ara demo run ARGS...)
    python3 dev.py test [ARGS...]   set up .venv, then run the whole test suite (pytest ARGS...)

Needs only Python 3.11, 3.12 or 3.13 and pip. The virtual environment lives in .venv at the repo root; it is
(re)installed when pyproject.toml changes, so a second call starts at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ara-install-stamp"


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_venv() -> None:
    if not (3, 11) <= sys.version_info[:2] <= (3, 13):
        sys.exit(f"Ara needs Python 3.11, 3.12 or 3.13; this is {sys.version.split()[0]} ({sys.executable}).")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and _bin("ara").exists():
        return
    if not _bin("python").exists():
        print(f"[dev] creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("[dev] installing Ara and its pinned dependencies (first run takes a minute)", flush=True)
    subprocess.run(
        [str(_bin("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f"{ROOT}[dev]"],
        check=True,
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_venv()
    env = dict(os.environ)
    env.setdefault("ARA_HOME", str(ROOT / ".ara"))
    cmd, rest = argv[0], argv[1:]
    if cmd == "setup":
        return 0
    if cmd == "demo":
        return subprocess.call([str(_bin("ara")), "demo", "run", *rest], cwd=ROOT, env=env)
    return subprocess.call([str(_bin("python")), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
