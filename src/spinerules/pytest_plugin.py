"""pytest plugin: every in-file test of a `.rules` file becomes a pytest test.

Registered through the `pytest11` entry point, so installing spinerules is enough: `pytest`
collects each `*.rules` file under its test paths that contains a `test` block, and makes one
item per test, named after the test. A failure is reported as `spinerules test` reports it
(the givens, each expectation that did not hold with what the engine said and why, the rules
that fired), never as a Python traceback into the engine. A file that does not load becomes
one failing item showing its errors.

Turn it off with `--no-rules-tests`, with `rules_tests = false` in the pytest configuration,
or with `-p no:spinerules`. Items carry the `rules_test` marker (`-m "not rules_test"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from .engine.kb import KnowledgeBase
    from .errors import RulesError
    from .filetests import TestOutcome
    from .syntax.nodes import TestNode

_HAS_TESTS = re.compile(r"^\s*test\b", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spinerules", "in-file tests of .rules files")
    group.addoption(
        "--no-rules-tests",
        action="store_true",
        default=False,
        dest="no_rules_tests",
        help="do not collect the in-file tests of .rules files",
    )
    parser.addini(
        "rules_tests",
        type="bool",
        default=True,
        help="collect the in-file tests of .rules files (default: true)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rules_test: an in-file test of a .rules file")


def _enabled(config: pytest.Config) -> bool:
    return not config.getoption("no_rules_tests") and bool(config.getini("rules_tests"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RulesFile | None:
    if file_path.suffix != ".rules" or not _enabled(parent.config):
        return None
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not _HAS_TESTS.search(text):
        return None
    file: RulesFile = RulesFile.from_parent(parent, path=file_path)
    return file


class RulesFile(pytest.File):
    """A .rules file with tests: one item per test, or one failing item if it does not load."""

    def collect(self) -> Iterator[pytest.Item]:
        from .errors import RulesError
        from .filetests import load, own_tests

        try:
            kb = load(self.path)
        except RulesError as exc:
            yield RulesLoadItem.from_parent(self, name="[loading the file]", error=exc)
            return
        tests = own_tests(kb)
        counts: dict[str, int] = {}
        for test in tests:
            counts[test.name] = counts.get(test.name, 0) + 1
        for test in tests:
            name = test.name if counts[test.name] == 1 else f"{test.name} (line {test.span.line})"
            yield RulesTestItem.from_parent(self, name=name, kb=kb, test=test)


class RulesTestFailed(Exception):
    """An in-file test whose expectations did not all hold."""

    def __init__(self, outcome: TestOutcome) -> None:
        super().__init__(outcome.render())
        self.outcome = outcome


class RulesFileBroken(Exception):
    """A .rules file that does not load."""

    def __init__(self, error: RulesError) -> None:
        super().__init__(error.render())
        self.error = error


class _Item(pytest.Item):
    """A `.rules` item. `funcargs` is empty but present: some plugins' `pytest_runtest_call`
    wrappers (pytest-lsp 1.0's) return without yielding for an item that lacks it, which fails
    every non-Python item while that plugin is installed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.funcargs: dict[str, Any] = {}


class RulesTestItem(_Item):
    def __init__(self, *, kb: KnowledgeBase, test: TestNode, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kb = kb
        self.test = test
        self.add_marker("rules_test")

    def runtest(self) -> None:
        from .filetests import run_test

        outcome = run_test(self.kb, self.test)
        if not outcome.passed:
            raise RulesTestFailed(outcome)

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, RulesTestFailed):
            return excinfo.value.outcome.render()
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.test.span.line - 1, f'rules test "{self.test.name}"'


class RulesLoadItem(_Item):
    def __init__(self, *, error: RulesError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error
        self.add_marker("rules_test")

    def runtest(self) -> None:
        raise RulesFileBroken(self.error)

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, RulesFileBroken):
            errors = excinfo.value.error.errors
            return "\n".join(e.render() for e in errors) + f"\n{len(errors)} error(s): no test run"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "loading the rules file"
