"""Loading knowledge bases: shipped rulesets by name, files by path, and text."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from ._collector import paused
from .engine import cache
from .engine.kb import KnowledgeBase
from .errors import UnknownNameError
from .model.load import load_modules, read_source, shipped_names, shipped_path
from .model.model import Model
from .model.validate import validate
from .suggest import did_you_mean
from .syntax.source import Source

__all__ = ["compile_text", "load", "load_all", "load_path", "rulesets"]

_cache: dict[str, KnowledgeBase] = {}
_lock = threading.Lock()


def rulesets() -> tuple[str, ...]:
    """Names of the shipped rulesets (including `vocabulary`, which has no rules)."""
    return shipped_names()


def _model(source: Source, base_dir: Path | None, name: str | None) -> Model:
    """Parse, resolve and validate, through the on-disk cache (see cache.py)."""
    key = "\0".join(
        [
            name or "",
            source.name,
            str(source.path),
            str(base_dir),
            hashlib.sha256(source.text.encode()).hexdigest(),
        ]
    )
    model = cache.lookup(key)
    if model is None:
        reached: list[tuple[Path, str]] = []  # imports as written, with what was read of them
        modules = load_modules(source, base_dir, reached)
        model = validate(modules, name)
        cache.store(key, reached, model)
    return model


def compile_text(
    text: str, name: str = "<text>", base_dir: str | Path | None = None
) -> KnowledgeBase:
    """Compile rules text. `use "path"` imports resolve against `base_dir` (none if not given)."""
    source = Source(name=name, text=text)
    with paused():
        modules = load_modules(source, Path(base_dir) if base_dir is not None else None)
        return KnowledgeBase(validate(modules, None if name == "<text>" else name))


def load_path(path: str | Path) -> KnowledgeBase:
    """Compile a .rules file and everything it `use`s."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no rules file at {file}")
    with paused():
        return KnowledgeBase(_model(read_source(file), None, None))


def load(name: str) -> KnowledgeBase:
    """A shipped ruleset by name (see `rulesets()`); compiled once per process."""
    with _lock:
        found = _cache.get(name)
        if found is not None:
            return found
        path = shipped_path(name)
        if path is None:
            hint = did_you_mean(name, shipped_names())
            raise UnknownNameError(
                f"no shipped ruleset `{name}`"
                + (f"; {hint}" if hint else f"; shipped: {', '.join(shipped_names())}")
            )
        with paused():
            kb = KnowledgeBase(_model(read_source(path, name), None, name))
        _cache[name] = kb
        return kb


def load_all() -> KnowledgeBase:
    """Every shipped ruleset at once, under the shared vocabulary: most restrictive wins, each
    reason keeps its document, and sources that disagree are listed in `res.disagreements`."""
    with _lock:
        found = _cache.get("*all*")
        if found is not None:
            return found
    names = [n for n in shipped_names() if n != "vocabulary"]
    text = 'ruleset shipped "All shipped rulesets"\n' + "".join(f"use {n}\n" for n in names)
    with paused():
        kb = KnowledgeBase(_model(Source(name="all", text=text), None, "all"))
    with _lock:
        return _cache.setdefault("*all*", kb)
