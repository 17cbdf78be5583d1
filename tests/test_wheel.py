"""The built wheel carries the grammar and the shipped rulesets, and works outside the checkout.

Offline: the wheel is built without build isolation (hatchling is a test dependency) and
installed with --no-deps into a fresh target folder; lark and attrs come from the test
environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("spinerules-*.whl")
    return built


def test_wheel_contains_grammar_rulesets_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "spinerules/_data/grammar/spinerules.lark" in names
    assert "spinerules/py.typed" in names
    shipped = {p.name for p in (ROOT / "rulesets").glob("*.rules")}
    assert shipped and {f"spinerules/_data/rulesets/{n}" for n in shipped} <= names


def test_installed_wheel_loads_a_ruleset_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        "import spinerules, sys\n"
        "assert spinerules.__file__.startswith(sys.argv[1]), spinerules.__file__\n"
        "from spinerules._resources import grammar_path, rulesets_dir\n"
        "assert str(grammar_path()).startswith(sys.argv[1])\n"
        "assert str(rulesets_dir()).startswith(sys.argv[1])\n"
        "kb = spinerules.load('herniation')\n"
        "res = kb.evaluate({'condition': 'herniation', 'phase': 'acute'})\n"
        "print(res.verdict('massage'))\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    # the herniation document: an acute episode means massage is generally not recommended
    assert done.stdout.strip() == "contraindicated"
