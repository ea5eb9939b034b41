"""``posted`` builds the same MessagePosted as the dataclass's own constructor."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequn.events import Actor, Mention, MessageKind, MessagePosted
from shequn.importers.posted import FIELDS, posted

ZONES = st.integers(-12, 12).map(lambda hours: timezone(timedelta(hours=hours)))
TIMES = st.datetimes(timezones=st.just(UTC) | ZONES)
ACTORS = st.none() | st.builds(Actor, id=st.text(), name=st.text(), is_bot=st.booleans())
MENTIONS = st.lists(
    st.builds(Mention, id=st.text(max_size=4), name=st.text(max_size=4)), max_size=3
)


@given(
    platform=st.text(),
    group=st.text(),
    event_id=st.text(),
    at=TIMES,
    actor=ACTORS,
    group_name=st.text(),
    kind=st.sampled_from(MessageKind),
    text=st.text(),
    reply_to=st.none() | st.text(),
    mentions=MENTIONS,
    edited_at=st.none() | TIMES,
)
def test_same_event_as_the_constructor(**fields: object) -> None:
    fields["mentions"] = tuple(fields["mentions"])  # type: ignore[arg-type]
    fast = posted(*(fields[name] for name in FIELDS))  # type: ignore[arg-type]
    slow = MessagePosted(**fields)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert type(fast) is MessagePosted


def test_still_frozen() -> None:
    event = posted(
        "telegram", "1", "2", datetime.now(UTC), None, "", MessageKind.TEXT, "", None, (), None
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.text = "changed"  # type: ignore[misc]
