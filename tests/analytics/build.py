"""Hand-built frames for metric tests: write rows as dicts, get Frames with the real schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from shequn.analytics.frames import UTC_US, Frames, Window, shape_messages

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday
FROM_SINCE = object()  # the group was created when the window starts

MESSAGE_SCHEMA = {
    "id": pl.Int64,
    "group_id": pl.Int64,
    "account_id": pl.Int64,
    "person_id": pl.Int64,
    "at": UTC_US,
    "kind": pl.String,
    "text": pl.String,
    "external_id": pl.String,
    "reply_to": pl.String,
    "mentions": pl.String,
    "deleted_at": UTC_US,
}
MEMBER_SCHEMA = {
    "group_id": pl.Int64,
    "account_id": pl.Int64,
    "person_id": pl.Int64,
    "joined_at": UTC_US,
    "left_at": UTC_US,
    "left_how": pl.String,
    "join_how": pl.String,
    "inviter_person_id": pl.Int64,
    "role": pl.String,
    "first_seen_at": UTC_US,
    "nickname": pl.String,
    "is_bot": pl.Boolean,
}
PERSON_SCHEMA = {
    "person_id": pl.Int64,
    "number": pl.Int64,
    "name": pl.String,
    "tier": pl.String,
    "city": pl.String,
    "industry": pl.String,
    "tags": pl.List(pl.String),
}
LINK_SCHEMA = {
    "person_a": pl.Int64,
    "person_b": pl.Int64,
    "dimension": pl.String,
    "source": pl.String,
    "first_seen": UTC_US,
}
GROUP_SCHEMA = {
    "group_id": pl.Int64,
    "name": pl.String,
    "kind": pl.String,
    "platform": pl.String,
    "created_at": UTC_US,
}


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def msg(n: int, person: int | None, at: datetime, text: str = "", **extra: Any) -> dict[str, Any]:
    """Message ``n`` by ``person`` (account id = person id in these frames)."""
    mentions = extra.pop("mentions", None)
    row = {
        "id": n,
        "group_id": extra.pop("group_id", 1),
        "account_id": person,
        "person_id": person,
        "at": at,
        "kind": extra.pop("kind", "text"),
        "text": text,
        "external_id": str(n),
        "reply_to": extra.pop("reply_to", None),
        "mentions": None if mentions is None else str(list(mentions)),
        "deleted_at": None,
    }
    row.update(extra)
    return row


def member(person: int, joined: datetime | None = None, **extra: Any) -> dict[str, Any]:
    row = {
        "group_id": 1,
        "account_id": person,
        "person_id": person,
        "joined_at": joined,
        "left_at": None,
        "left_how": "",
        "join_how": "unknown",
        "inviter_person_id": None,
        "role": "member",
        "first_seen_at": None,
        "nickname": "",
        "is_bot": False,
    }
    row.update(extra)
    return row


def person(pid: int, **extra: Any) -> dict[str, Any]:
    row = {
        "person_id": pid,
        "number": pid,
        "name": f"成员{pid}",
        "tier": "",
        "city": "",
        "industry": "",
        "tags": [],
    }
    row.update(extra)
    return row


def with_reply_targets(raw: pl.DataFrame) -> pl.DataFrame:
    """What the loader's SQL join does: reply_to (a platform id) to our id and its author."""
    targets = raw.select(
        pl.col("external_id").alias("reply_to"),
        pl.col("id").alias("reply_to_id"),
        pl.col("person_id").alias("reply_person_id"),
    ).unique("reply_to")
    return raw.join(targets, on="reply_to", how="left").drop("external_id")


def frames(
    messages: list[dict[str, Any]],
    members: list[dict[str, Any]],
    persons: list[dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    since: datetime = T0,
    until: datetime | None = None,
    group_id: int = 1,
    zone: str = "UTC",
    created_at: object = FROM_SINCE,
) -> Frames:
    """Frames exactly as the loader makes them, from plain rows."""
    member_frame = pl.DataFrame(members, schema=MEMBER_SCHEMA)
    pids = sorted(
        {m["person_id"] for m in members} | {m["person_id"] for m in messages if m["person_id"]}
    )
    raw = with_reply_targets(pl.DataFrame(messages, schema=MESSAGE_SCHEMA))
    last = max((m["at"] for m in messages), default=since)
    return Frames(
        group_id=group_id,
        window=Window(since, until or last + timedelta(seconds=1)),
        messages=shape_messages(raw, member_frame),
        members=member_frame,
        persons=pl.DataFrame(persons or [person(p) for p in pids], schema=PERSON_SCHEMA),
        links=pl.DataFrame(links or [], schema=LINK_SCHEMA),
        groups=pl.DataFrame(
            groups
            or [
                {
                    "group_id": group_id,
                    "name": "测试群",
                    "kind": "social",
                    "platform": "test",
                    "created_at": created_at if created_at is not FROM_SINCE else since,
                }
            ],
            schema=GROUP_SCHEMA,
        ),
        zone=zone,
    )
