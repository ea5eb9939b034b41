"""Times as integer microseconds since the epoch: what the replay's state keeps per message
(8 bytes in an array, not a datetime object) and compares with bisect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """Microseconds since the epoch: exact, and ordered as the datetimes are.

    Rules ask it of the same event's time several times in a row, so the last answer
    is kept (one tuple, swapped whole: safe across threads).
    """
    global _last
    if _last[0] is at:
        return _last[1]
    value = (at - EPOCH) // MICROSECOND
    _last = (at, value)
    return value


_last: tuple[datetime, int] = (EPOCH, 0)
