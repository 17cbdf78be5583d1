"""Loading knowledge bases: shipped rulesets by name, files by path, and text."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

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


_paused = 0  # builds in progress that asked for the collector to be paused
_paused_by_us = False  # whether we turned it off (and so turn it back on)
_pause_lock = threading.Lock()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Compiling allocates millions of small objects and makes no reference cycles, yet each
    allocation burst sets off Python's cyclic garbage collector, which walks every object still
    alive: about half the time of compiling 10,000 rules. It is paused while knowledge bases are
    built, and turned back on when the last build in any thread ends, and only if it was on
    when the first began: the collector is process-wide, and a build must not turn it on
    behind an application that turned it off."""
    global _paused, _paused_by_us
    with _pause_lock:
        if _paused == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused -= 1
            if _paused == 0 and _paused_by_us:
                # the collector walks what is left later, as for any large data a program
                # loads; a full collection is not forced here, as it would also walk all of
                # the caller's objects
                gc.enable()
                _paused_by_us = False


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
    with _collector_paused():
        modules = load_modules(source, Path(base_dir) if base_dir is not None else None)
        return KnowledgeBase(validate(modules, None if name == "<text>" else name))


def load_path(path: str | Path) -> KnowledgeBase:
    """Compile a .rules file and everything it `use`s."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no rules file at {file}")
    with _collector_paused():
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
        with _collector_paused():
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
    with _collector_paused():
        kb = KnowledgeBase(_model(Source(name="all", text=text), None, "all"))
    with _lock:
        return _cache.setdefault("*all*", kb)
