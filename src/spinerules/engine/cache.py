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

import contextlib
import functools
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .._resources import grammar_path
from .._version import __version__
from ..model.model import Model

__all__ = ["cache_dir", "lookup", "store"]

_FORMAT = 1


def _enabled() -> bool:
    return os.environ.get("SPINERULES_CACHE", "1") not in ("0", "no", "false", "off")


def cache_dir() -> Path | None:
    """Where entries live, or None when there is no sensible place: `$SPINERULES_CACHE_DIR`,
    else `$XDG_CACHE_HOME/spinerules` (an absolute path), else `~/.cache/spinerules` when the
    home directory exists (an empty or missing `$HOME` means no cache, not `/.cache`)."""
    explicit = os.environ.get("SPINERULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "spinerules"
    home = os.environ.get("HOME") if "HOME" in os.environ else os.path.expanduser("~")
    if not home or not os.path.isabs(home) or not os.path.isdir(home):
        return None
    return Path(home) / ".cache" / "spinerules"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: the code that builds a model: the syntax and model stages, and the errors they raise
_BUILDERS = ("syntax", "model")


@functools.cache
def _version() -> str:
    """The version, the grammar and the code of every stage that builds a model: a model built
    by other code (an edited checkout, say) is not reused."""
    package = Path(__file__).resolve().parent.parent
    files = [package / "errors.py"]
    files += sorted(p for stage in _BUILDERS for p in (package / stage).glob("*.py"))
    code = b"".join(p.read_bytes() for p in files)
    return f"{__version__}/{_FORMAT}/{_digest(grammar_path().read_bytes())}/{_digest(code)}"


def _entry(folder: Path, root_key: str) -> Path:
    return folder / f"{_digest(root_key.encode('utf-8', 'surrogatepass'))[:32]}.pickle"


def _private(path: Path) -> bool:
    """Owned by us, writable by no one else, and not a symbolic link (POSIX: a link planted in
    a shared parent could redirect the cache); elsewhere, trust the user's profile."""
    if not hasattr(os, "getuid"):
        return True
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def lookup(root_key: str) -> Model | None:
    """The cached model for this root, if every file it came from is unchanged."""
    if not _enabled():
        return None
    try:
        folder = cache_dir()
        if folder is None:
            return None
        entry = _entry(folder, root_key)
        if not entry.is_file() or not _private(folder) or not _private(entry):
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


def store(root_key: str, files: Iterable[tuple[Path, str]], model: Model) -> None:
    """Remember a model built from `files`: each imported file by the path it was reached
    through (not resolved, so that a symlink pointed elsewhere is noticed) with the SHA-256 of
    the bytes that were parsed. The digests come from the read itself: hashing the files again
    now would record a file saved during the load under the model of its older text."""
    if not _enabled():
        return
    folder = cache_dir()
    if folder is None:
        return
    tmp: str | None = None
    try:
        if not folder.exists():
            folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700)
        if not _private(folder):
            return
        record = (_version(), root_key, tuple((str(p), digest) for p, digest in files), model)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _entry(folder, root_key))
        tmp = None
    except Exception:
        return
    finally:
        if tmp is not None:  # the write failed half way: leave nothing behind
            with contextlib.suppress(OSError):
                os.unlink(tmp)
