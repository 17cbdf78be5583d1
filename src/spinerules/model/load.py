"""Finding and reading files: `use` imports, shipped rulesets, cycles, and the import sandbox.

`load_modules(root)` parses the root source and every file it reaches through `use`, and returns
them imports-first, each file once. A `use "path"` may only reach files inside the importing
file's folder tree; `use NAME` only the shipped rulesets.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .._resources import rulesets_dir
from ..errors import (
    ImportCycleError,
    ImportNotFoundError,
    RulesError,
    RulesSyntaxError,
    raise_all,
)
from ..suggest import did_you_mean
from ..syntax import nodes as n
from ..syntax.source import IDENTIFIER, Source, Span

__all__ = ["GENERAL_SCREENING", "load_modules", "read_source", "shipped_names", "shipped_path"]

#: the shipped ruleset of safety screening for every patient, whatever the condition
GENERAL_SCREENING = "general_screening"


def shipped_names() -> tuple[str, ...]:
    """Names of the shipped rulesets, sorted."""
    return tuple(sorted(p.stem for p in rulesets_dir().glob("*.rules")))


def shipped_path(name: str) -> Path | None:
    path = rulesets_dir() / f"{name}.rules"
    return path if name in shipped_names() else None


def read_source(path: Path, name: str | None = None) -> Source:
    """A file as a `Source`; a file that is not UTF-8 text is a `RulesSyntaxError` at the first
    byte that is not."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        shown = Source(name=name or str(path), text=data.decode("utf-8", "replace"))
        raise RulesSyntaxError(
            f"`{shown.name}` is not UTF-8 text (byte {exc.start})",
            Span(shown, line, column, line, column + 1),
            "save the file as UTF-8",
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    return Source(name=name or str(path), text=text, path=path.resolve(), digest=digest)


def load_modules(
    root: Source, base_dir: Path | None = None, reached: list[tuple[Path, str]] | None = None
) -> tuple[n.Module, ...]:
    """The root and every file it uses, imports first. Raises every error found in any file.
    `reached`, if given, receives each imported file's path as written (before symlinks are
    resolved) with the SHA-256 of the bytes that were read and parsed: the cache keys an entry
    by what was read, not by what the file holds by the time the model is stored."""
    loader = _Loader(base_dir)
    loader.run(root)
    if loader.errors and loader.order and loader.left_out:
        # recovered past syntax errors: check the names and types of what did parse, so that
        # one run reports every error that can be found (leaving out errors about names the
        # broken statements mention: they may be declared there)
        from .validate import validate

        mentioned = set(IDENTIFIER.findall(loader.left_out))
        try:
            validate(tuple(loader.order), None)
        except RulesError as exc:
            loader.errors.extend(
                e for e in exc.errors if not mentioned & set(_NAMED.findall(e.message))
            )
    raise_all(loader.errors)
    if reached is not None:
        reached.extend(loader.reached)
    return tuple(loader.order)


_NAMED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


class _Loader:
    """Depth-first over the `use` graph with an explicit stack (a chain of thousands of imports
    is no deeper for Python than one), imports before the files that use them."""

    def __init__(self, base_dir: Path | None) -> None:
        self.base_dir = base_dir.resolve() if base_dir else None
        self.order: list[n.Module] = []
        self.done: set[Path] = set()
        self.errors: list[RulesError] = []
        self.reached: list[tuple[Path, str]] = []
        #: the text of the statements syntax errors left out (recovery reads the rest)
        self.left_out = ""

    def parsed(self, source: Source) -> n.Module | None:
        from ..syntax.reader import parse_recovering  # imports lark: only when needed

        try:
            module, errors, left_out = parse_recovering(source)
        except RulesError as exc:
            self.errors.extend(exc.errors)
            return None
        self.errors.extend(errors)
        self.left_out += left_out + "\n"
        return module

    def run(self, root: Source) -> None:
        module = self.parsed(root)
        if module is None:
            return
        # each frame: a module, the `use`s still to follow, and the files on the path to it
        here = (root.path,) if root.path else ()
        stack = [(module, iter(self.uses(module)), here)]
        on_path = set(here)
        while stack:
            module, uses, here = stack[-1]
            pushed = False
            for stmt in uses:
                target = self.resolve(stmt, module.source)
                if target is None:
                    continue
                path, written = target
                if path in on_path:
                    chain = " -> ".join(p.name for p in (*here[here.index(path) :], path))
                    self.errors.append(
                        ImportCycleError(
                            f"import cycle: {chain}", stmt.span, "remove one of the `use`s"
                        )
                    )
                    continue
                if path in self.done:
                    continue
                display = stmt.target if not stmt.is_path else str(path)
                try:
                    imported = read_source(path, display)
                except RulesError as exc:
                    self.errors.extend(exc.errors)
                    continue
                except OSError as exc:
                    self.errors.append(_unreadable(stmt, exc))
                    continue
                assert imported.digest is not None
                self.reached.append((written, imported.digest))
                child = self.parsed(imported)
                if child is None:
                    self.done.add(path)
                    continue
                stack.append((child, iter(self.uses(child)), (*here, path)))
                on_path.add(path)
                pushed = True
                break
            if pushed:
                continue
            stack.pop()
            key = module.source.path
            if key:
                self.done.add(key)
                on_path.discard(key)
            self.order.append(module)

    @staticmethod
    def uses(module: n.Module) -> list[n.UseDecl]:
        """The module's imports; `use all` stands for every shipped ruleset (as `load_all`)."""
        out: list[n.UseDecl] = []
        for stmt in module.statements:
            if not isinstance(stmt, n.UseDecl):
                continue
            if not stmt.is_path and stmt.target == "all":
                out += [n.UseDecl(name, False, stmt.span) for name in shipped_names()]
            else:
                out.append(stmt)
        return out

    def resolve(self, use: n.UseDecl, source: Source) -> tuple[Path, Path] | None:
        """The file a `use` names, resolved, and as written; or None (with an error)."""
        try:
            return self._resolve(use, source)
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the system ...
            self.errors.append(_unreadable(use, exc))
            return None

    def _resolve(self, use: n.UseDecl, source: Source) -> tuple[Path, Path] | None:
        if not use.is_path:
            path = shipped_path(use.target)
            if path is None:
                self.errors.append(
                    ImportNotFoundError(
                        f"no shipped ruleset named `{use.target}`",
                        use.span,
                        did_you_mean(use.target, shipped_names())
                        or f"shipped rulesets: {', '.join(shipped_names())}; "
                        'a file needs quotes: `use "file.rules"`',
                    )
                )
                return None
            return path.resolve(), path
        if "\0" in use.target:
            raise ValueError("the path contains a NUL character")
        folder = source.path.parent if source.path else self.base_dir
        if folder is None:
            self.errors.append(
                ImportNotFoundError(
                    f"cannot import `{use.target}`: this text has no folder to look in",
                    use.span,
                    "load the text from a file, or pass `base_dir=`",
                )
            )
            return None
        folder = folder.resolve()
        written = folder / use.target
        target = written.resolve()
        if not (target.is_relative_to(folder) or target.is_relative_to(rulesets_dir().resolve())):
            self.errors.append(
                ImportNotFoundError(
                    f"`{use.target}` is outside the folder of the importing file",
                    use.span,
                    "a `use` may only reach files in the importing file's folder or below it",
                )
            )
            return None
        if not target.is_file():
            self.errors.append(
                ImportNotFoundError(f"no file `{use.target}` (looked for {target})", use.span)
            )
            return None
        return target, written


def _unreadable(use: n.UseDecl, exc: Exception) -> ImportNotFoundError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    shown = use.target.replace("\0", "\\0")
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ImportNotFoundError(f"cannot read `{shown}`: {reason[:1].lower()}{reason[1:]}", use.span)
