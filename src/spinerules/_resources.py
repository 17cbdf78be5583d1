"""Where the grammar and the shipped rulesets live: in the wheel or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent.parent / name  # src/spinerules -> repo root
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"spinerules is installed without its {name}/ folder")


@cache
def grammar_path() -> Path:
    return _data_dir("grammar") / "spinerules.lark"


@cache
def rulesets_dir() -> Path:
    return _data_dir("rulesets")
