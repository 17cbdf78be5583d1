"""Pausing Python's cyclic garbage collector while spinerules allocates in bulk.

Compiling a knowledge base and screening many patients allocate millions of small objects
(nodes, tuples, answers) and make no reference cycles, yet each allocation burst sets off the
cyclic collector, which walks every object still alive: about half the time of compiling
10,000 rules, and a third of screening a large register. `paused()` turns it off for such a
stretch of spinerules' own work (never across a `yield` to the caller), and turns it back on
when the last paused stretch in any thread ends, and only if it was on when the first began:
the collector is process-wide, and spinerules must not turn it on behind an application that
turned it off. Objects freed by reference counting are freed as always; only cycles wait.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["paused"]

_paused = 0  # stretches in progress that asked for the collector to be paused
_paused_by_us = False  # whether we turned it off (and so turn it back on)
_lock = threading.Lock()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the `with` block (see the module's documentation)."""
    global _paused, _paused_by_us
    with _lock:
        if _paused == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _paused_by_us:
                # the collector walks what is left later, as for any large data a program
                # loads; a full collection is not forced here, as it would also walk all of
                # the caller's objects
                gc.enable()
                _paused_by_us = False
