"""The on-disk cache makes loading fast and is never trusted when it does not match."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import types
from pathlib import Path

import pytest

import spinerules
from spinerules import Verdict
from spinerules.engine import cache


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SPINERULES_CACHE_DIR", str(folder))
    monkeypatch.delenv("SPINERULES_CACHE", raising=False)
    return folder


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_changed_import_invalidates_the_entry(cache_in: Path, tmp_path: Path) -> None:
    lib = write(tmp_path / "lib.rules", "fact f: bool\ntechnique t\n")
    main = write(
        tmp_path / "main.rules", 'use "lib.rules"\nrule r: if f then caution t because "x"\n'
    )
    assert spinerules.load_path(main).evaluate({"f": True}).verdict("t") is Verdict.CAUTION
    assert list(cache_in.glob("*.pickle"))
    # the imported file changes: the cached model must not be used
    write(lib, "fact f: bool\ntechnique t\ntechnique u\n")
    assert "u" in spinerules.load_path(main).techniques
    # and the root file changes
    write(main, 'use "lib.rules"\nrule r: if f then contraindicate t because "x"\n')
    res = spinerules.load_path(main).evaluate({"f": True})
    assert res.verdict("t") is Verdict.CONTRAINDICATED


def test_a_corrupt_or_foreign_entry_is_ignored(cache_in: Path, tmp_path: Path) -> None:
    main = write(
        tmp_path / "main.rules", 'fact f: bool\ntechnique t\nif f then allow t because "x"\n'
    )
    spinerules.load_path(main)
    (entry,) = cache_in.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert spinerules.load_path(main).evaluate({"f": True}).verdict("t") is Verdict.ALLOWED
    if hasattr(os, "getuid"):
        spinerules.load_path(main)  # rewritten
        os.chmod(entry, 0o666)  # writable by others: never read
        assert cache.lookup("anything") is None
        assert spinerules.load_path(main).evaluate({"f": True}).verdict("t") is Verdict.ALLOWED


class _OldModel:
    """A model as an earlier layout pickled it, from a module that no longer exists."""


def test_an_entry_from_an_older_layout_is_ignored_and_rebuilt(
    cache_in: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = write(
        tmp_path / "main.rules", 'fact f: bool\ntechnique t\nif f then caution t because "x"\n'
    )
    spinerules.load_path(main)
    (entry,) = cache_in.glob("*.pickle")
    version, key, files, _ = pickle.loads(entry.read_bytes())
    # the same version and files, but the model pickled as `spinerules.schema.Model` (the
    # module that held Model before the package was laid out as its pipeline)
    old = types.ModuleType("spinerules.schema")
    _OldModel.__module__, _OldModel.__qualname__ = "spinerules.schema", "Model"
    old.Model = _OldModel  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "spinerules.schema", old)
        entry.write_bytes(pickle.dumps((version, key, files, _OldModel())))
    assert b"spinerules.schema" in entry.read_bytes()
    assert cache.lookup(key) is None  # the class cannot be found: ignored, not an error
    res = spinerules.load_path(main).evaluate({"f": True})
    assert res.verdict("t") is Verdict.CAUTION
    assert b"spinerules.schema" not in entry.read_bytes()  # rebuilt and written again
    assert cache.lookup(key) is not None


def test_the_cache_can_be_turned_off(
    cache_in: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINERULES_CACHE", "0")
    main = write(tmp_path / "main.rules", "fact f: bool\n")
    spinerules.load_path(main)
    assert not cache_in.exists()


def test_cached_and_fresh_load_all_agree(tmp_path: Path) -> None:
    script = (
        "import json, spinerules\n"
        "res = spinerules.load_all().evaluate({'condition': 'herniation', 'severity': 'mild'})\n"
        "print(json.dumps(res.to_dict(), sort_keys=True))\n"
    )
    env = {**os.environ, "SPINERULES_CACHE_DIR": str(tmp_path / "c")}
    runs = [
        subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert list((tmp_path / "c").glob("*.pickle"))
    assert runs[0].stdout == runs[1].stdout


def test_importing_spinerules_does_not_import_the_parser() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, spinerules; print('lark' in sys.modules)"],
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "False"
