"""`python -m spinerules`: the same as the `spinerules` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
