"""`spinerules lsp`."""

from __future__ import annotations

import argparse

from .output import Out
from .registry import UsageError, subcommand


@subcommand("lsp")
def cmd_lsp(args: argparse.Namespace, out: Out) -> int:
    """Run the language server for `.rules` files over stdin/stdout (for an editor).

    Diagnostics as you type, quick fixes, hover, completion, definitions and references (into
    the shipped rulesets too), symbols, formatting and in-file tests on demand. Needs
    `pip install 'spinerules[lsp]'`; README "Editor setup" says how to connect an editor.
    """
    try:
        from ..lsp.server import main
    except ImportError:
        raise UsageError("`lsp` needs the lsp extra: pip install 'spinerules[lsp]'") from None
    main()
    return 0
