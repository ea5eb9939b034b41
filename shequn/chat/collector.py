"""Fewer garbage-collector runs while a bulk ingest streams events.

An import allocates a few container objects per message (the parsed record,
the event, its row) and keeps a chunk of them alive at a time. With Python's
default threshold (700 net allocations) the collector ran ~1,100 times per
200,000 messages, nine of them full collections walking the whole heap: 20-25%
of an import's CPU, with nothing to find (the path makes no reference cycles).
A higher first threshold while any bulk ingest runs leaves the collector on
(cycles are still freed) but lets it run a few times per import instead.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Net allocations between young collections while a bulk ingest runs.
BULK_THRESHOLD = 50_000

_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the duration; restored by the last user.

    Counted, so overlapping ingests (threads) restore the caller's setting only
    when the last of them ends.
    """
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            first, *rest = _saved
            gc.set_threshold(max(first, BULK_THRESHOLD), *rest)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)
