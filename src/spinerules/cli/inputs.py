"""What commands read: rules files named on the command line, knowledge bases, patient
profiles from --fact and --json, and the diagnostics of files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import filetests
from ..api import load, load_all
from ..diagnostics import Diagnostic, display
from ..engine.kb import KnowledgeBase
from ..errors import FactError, RulesError, RulesSyntaxError, UnknownNameError
from ..model.load import shipped_names, shipped_path
from ..model.profile import parse_value
from ..suggest import did_you_mean
from ..syntax.source import Source, Span
from .registry import UsageError


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.endswith(".rules") or text in (".", "..")


def rules_files(targets: Sequence[str], shipped: bool = True) -> list[Path]:
    """Files named by the arguments: files, folders (every .rules file below, sorted) and, when
    `shipped`, the names of shipped rulesets or `all`. Each file once, in argument order."""
    found: dict[Path, Path] = {}
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files = _walk(path)
            if not files:
                raise UsageError(f"no .rules file in `{target}`")
            for file in files:
                found.setdefault(file.resolve(), file)
        elif path.is_file():
            found.setdefault(path.resolve(), path)
        elif (
            shipped
            and not _looks_like_path(target)
            and (target == "all" or target in shipped_names())
        ):
            names = shipped_names() if target == "all" else (target,)
            for name in names:
                shipped_file = shipped_path(name)
                assert shipped_file is not None
                where = shipped_file.resolve()
                found.setdefault(where, Path(display(where)))
        else:
            hint = did_you_mean(target, ["all", *shipped_names()]) if shipped else None
            raise UsageError(f"no file or folder `{target}`" + (f" ({hint})" if hint else ""))
    return list(found.values())


def read_stdin(name: str) -> str:
    """Standard input as UTF-8 text; anything else is a `RulesSyntaxError` at the first byte
    that is not (never text with the bad bytes smuggled in as surrogates)."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        shown = Source(name=name, text=data.decode("utf-8", "replace"))
        raise RulesSyntaxError(
            f"`{name}` is not UTF-8 text (byte {exc.start})",
            Span(shown, line, column, line, column + 1),
            "save the file as UTF-8",
        ) from None


def _walk(folder: Path) -> list[Path]:
    """Every .rules file below a folder, sorted; a folder that cannot be read is an error, not
    something to skip (a check that silently skipped it would report "no problems")."""
    problems: list[OSError] = []
    files = [
        Path(root) / name
        for root, dirs, names in os.walk(folder, onerror=problems.append)
        for name in names
        if name.endswith(".rules")
    ]
    if problems:
        first = problems[0]
        where = first.filename if first.filename is not None else folder
        raise UsageError(f"cannot read the folder `{where}`: {first.strerror or first}")
    return sorted(files)


def knowledge_base(target: str) -> KnowledgeBase:
    """`all`, a shipped ruleset's name, or a path (anything with a `/` or ending in `.rules`)."""
    if _looks_like_path(target):
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"no rules file `{target}`")
        return filetests.load(path)
    if target == "all":
        return load_all()
    try:
        return load(target)
    except UnknownNameError as exc:
        raise UsageError(f"{exc}; to load a file, give its path (e.g. ./{target}.rules)") from None


def profile(kb: KnowledgeBase, args: argparse.Namespace) -> dict[str, Any]:
    """The patient profile from `--json` and `--fact` (which wins), checked against `kb`."""
    given: dict[str, Any] = {}
    if args.json_file is not None:
        try:
            if args.json_file == "-":
                raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else None
                text = raw.decode("utf-8") if raw is not None else sys.stdin.read()
            else:
                text = Path(args.json_file).read_bytes().decode("utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise UsageError(f"cannot read `{args.json_file}`: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"`{args.json_file}` is not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"`{args.json_file}` is not valid JSON: {exc}") from None
        except ValueError as exc:  # a number longer than Python reads (4,300 digits)
            raise UsageError(f"`{args.json_file}` cannot be read: {exc}") from None
        except RecursionError:
            raise UsageError(f"`{args.json_file}` nests arrays or objects too deeply") from None
        if not isinstance(data, dict):
            raise UsageError(f"`{args.json_file}` must hold a JSON object of facts")
        given.update(data)
    for item in args.fact:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"`--fact {item}`: write FACT=VALUE, e.g. --fact phase=acute")
        fact = kb.facts.get(name)
        if fact is None:
            hint = did_you_mean(name, kb.facts)
            raise UsageError(
                f"`{kb.name}` has no fact `{name}`"
                + (f"; {hint}" if hint else f"; its facts: {', '.join(kb.facts)}")
            )
        try:
            given[name] = parse_value(fact, text)
        except FactError as exc:
            raise UsageError(str(exc)) from None
    try:
        kb.check(given)
    except FactError as exc:
        raise UsageError(str(exc)) from None
    return given


def diagnose(files: Iterable[Path]) -> list[Diagnostic]:
    """Every error of every file (and of what it imports), and the warnings of the files
    themselves; each once, in file and line order."""
    files = list(files)
    mine = {f.resolve() for f in files}
    found: dict[tuple[str, int, int, str, str], Diagnostic] = {}
    for file in files:
        try:
            kb = filetests.load(file)
        except RulesError as exc:
            items = [e.diagnostic() for e in exc.errors]
        else:
            items = [
                w.diagnostic()
                for w in kb.warnings
                if w.span.source.path is not None and w.span.source.path.resolve() in mine
            ]
        for item in items:
            found.setdefault(item.key(), item)
    order = {f.resolve(): i for i, f in enumerate(files)}

    def position(d: Diagnostic) -> tuple[int, str, int, int]:
        path = d.span.source.path
        rank = order.get(path.resolve(), -1) if path is not None else -1
        return (rank, d.file, d.span.line, d.span.column)

    return sorted(found.values(), key=position)
