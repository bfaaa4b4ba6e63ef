"""The repository is the whole product: no tracked file may point outside it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A folder beside the clone, or an absolute path on one machine (home, work or temporary folders).
FORBIDDEN = re.compile(r"\.\./shared|(?<![\w.~}-])/(?:work|root|home|Users|tmp)/[\w.-]+[/\w.-]*")
# The examples below are assembled at run time, so this file itself holds no such path either.
BESIDE = ".." + "/shared"
WORK = "/" + "work"


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (no .git or no git on PATH): run the tests from a clone")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [f for f in out.decode().split("\0") if f]


def test_no_tracked_file_names_a_folder_outside_the_repository() -> None:
    offenders = []
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for number, line in enumerate(text.splitlines(), start=1):
            match = FORBIDDEN.search(line)
            if match:
                offenders.append(f"{name}:{number}: {match.group(0)}")
    assert not offenders, "paths outside the repository:\n" + "\n".join(offenders)


def test_the_pattern_catches_what_it_must() -> None:
    bad_lines = (
        f"see {BESIDE}/DESIGN.md",
        f'Path("{WORK}/shared/reference")',
        "/" + "root/.cache/x",
        "/" + "home/ann/x",
        "/" + "tmp/a/b",
    )
    for bad in bad_lines:
        assert FORBIDDEN.search(bad), bad
    good_lines = (
        "docs/adr/0001.md",
        "GET /api/certificate",
        f"http://127.0.0.1:8765{WORK}/x",
        f"a{WORK}/b",
        "GET /home",
    )
    for good in good_lines:
        assert not FORBIDDEN.search(good), good
