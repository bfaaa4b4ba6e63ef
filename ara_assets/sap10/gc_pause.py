"""The cyclic garbage collector paused for one batch of certificates."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one batch.

    A batch allocates a few hundred small dicts and lists per certificate, none of them in reference
    cycles (reference counting frees them), yet each 700 allocations trigger a collection that walks the
    young objects, and every tenth an older generation holding the whole batch: ~18 % of
    ``score_certificates`` at 10,000 documents. Re-enabled afterwards (if it was on), so any cycles
    are collected then. Nesting is safe: only the outermost pause re-enables.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
