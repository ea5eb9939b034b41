"""Small builders of canonical events for store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shequn.events import Actor, JoinHow, MemberJoined, MessagePosted

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def message(n: int, who: str = "u1", group: str = "g1", **extra: object) -> MessagePosted:
    """Message number ``n`` in ``group``, one minute after the previous."""
    fields: dict[str, object] = {"text": f"第{n}条消息", **extra}
    return MessagePosted(
        platform="test",
        group=group,
        group_name="测试群",
        event_id=f"m{n}",
        at=T0 + timedelta(minutes=n),
        actor=Actor(id=who, name=f"成员{who}"),
        **fields,  # type: ignore[arg-type]
    )


def joined(n: int, who: str, inviter: str | None = None, group: str = "g1") -> MemberJoined:
    member = Actor(id=who, name=f"成员{who}")
    return MemberJoined(
        platform="test",
        group=group,
        event_id=f"j{n}",
        at=T0 + timedelta(minutes=n),
        actor=member,
        member=member,
        how=JoinHow.INVITE if inviter else JoinHow.UNKNOWN,
        inviter=Actor(id=inviter) if inviter else None,
    )
