"""An on-disk cache of validated models, so that loading the shipped rulesets is fast.

An entry is keyed by the root file's text and records the SHA-256 of every file the model was
built from (imports included), the grammar and the spinerules version; it is used only when all
of them still match, so a cache that does not match the source is ignored, never trusted.

Entries are pickles, and unpickling runs code, so the cache lives in a directory private to the
user (`$SPINERULES_CACHE_DIR`, else `$XDG_CACHE_HOME/spinerules`, else `~/.cache/spinerules`),
created with mode 0700, and an entry is read only if it and its directory belong to the current
user and no one else can write to them. `SPINERULES_CACHE=0` turns the cache off. Any problem
reading or writing the cache is ignored: the cache can only make loading faster, not different.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ._resources import grammar_path
from .schema import Model

__all__ = ["cache_dir", "lookup", "store"]

_FORMAT = 1


def _enabled() -> bool:
    return os.environ.get("SPINERULES_CACHE", "1") not in ("0", "no", "false", "off")


def cache_dir() -> Path:
    explicit = os.environ.get("SPINERULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spinerules"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_BUILDERS = ("nodes", "parse", "load", "unparse", "schema", "validate", "source", "errors")


@functools.cache
def _version() -> str:
    """The version, the grammar and the code of every stage that builds a model: a model built
    by other code (an edited checkout, say) is not reused."""
    from . import __version__

    here = Path(__file__).resolve().parent
    code = b"".join((here / f"{name}.py").read_bytes() for name in _BUILDERS)
    return f"{__version__}/{_FORMAT}/{_digest(grammar_path().read_bytes())}/{_digest(code)}"


def _entry(root_key: str) -> Path:
    return cache_dir() / f"{_digest(root_key.encode())[:32]}.pickle"


def _private(path: Path) -> bool:
    """Owned by us and writable by no one else (POSIX); elsewhere, trust the user's profile."""
    if not hasattr(os, "getuid"):
        return True
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def lookup(root_key: str) -> Model | None:
    """The cached model for this root, if every file it came from is unchanged."""
    if not _enabled():
        return None
    try:
        entry = _entry(root_key)
        if not entry.is_file() or not _private(entry.parent) or not _private(entry):
            return None
        with entry.open("rb") as fh:
            version, key, files, model = pickle.load(fh)
        if version != _version() or key != root_key:
            return None
        for path, digest in files:
            if _digest(Path(path).read_bytes()) != digest:
                return None
        return model if isinstance(model, Model) else None
    except Exception:
        return None


def store(root_key: str, files: Iterable[Path], model: Model) -> None:
    """Remember a model built from `files`: every file read, the root included, each by the path
    it was reached through (not resolved), so that a symlink pointed elsewhere is noticed."""
    if not _enabled():
        return
    try:
        folder = cache_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        record = (
            _version(),
            root_key,
            tuple((str(p), _digest(p.read_bytes())) for p in files),
            model,
        )
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _entry(root_key))
    except Exception:
        return
