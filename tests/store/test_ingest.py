"""Ingest: idempotent, all-or-nothing, and it builds the archive as events reveal people."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from shequn.chat.ingest import IngestError, ingest
from shequn.chat.models import Message, Reaction
from shequn.community.models import Account, Community, Group, Membership, Person
from shequn.events import (
    Actor,
    GroupRenamed,
    LeaveHow,
    MemberLeft,
    MemberRenamed,
    Mention,
    MessageDeleted,
    MessageKind,
    MessagePosted,
    ReactionAdded,
)
from tests.store.factories import T0, joined, message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def counts() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "accounts": Account.objects.count(),
        "persons": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "groups": Group.objects.count(),
        "reactions": Reaction.objects.count(),
    }


def test_creates_group_accounts_persons_and_memberships(community: Community) -> None:
    stats = ingest([message(1, "u1"), message(2, "u2"), message(3, "u1")], community)
    assert stats.messages == 3 and stats.groups_created == 1 and stats.accounts_created == 2
    group = Group.objects.get(platform="test", external_id="g1")
    assert group.name == "测试群" and group.community == community
    numbers = sorted(Person.objects.values_list("number", "display_name"))
    assert numbers == [(1, "成员u1"), (2, "成员u2")]
    stays = Membership.objects.filter(group=group, left_at__isnull=True)
    assert stays.count() == 2
    first = Message.objects.get(group=group, external_id="m1")
    assert first.text == "第1条消息" and first.at == T0 + timedelta(minutes=1)
    assert first.sender is not None and first.sender.external_id == "u1"


AWKWARD_TEXTS = [
    "全角标点：“引号”，（括号）！",
    "emoji 👍🏽 and a ZWJ family 👨‍👩‍👧",
    'quotes " and \\ backslashes \\n, a tab\there',
    "a NUL \x00 inside, LRM \u200e, line separator \u2028",
    "line one\r\nline two\n  indented\n",
    "",
]


def stored_texts_and_times() -> list[tuple[str, datetime, datetime | None]]:
    return [(m.text, m.at, m.edited_at) for m in Message.objects.order_by("external_id")]


def expected_texts_and_times(
    events: list[MessagePosted],
) -> list[tuple[str, datetime, datetime | None]]:
    # Neither store can hold U+0000 in a text: it is stored as U+FFFD, the rest exactly.
    return [(e.text.replace("\x00", "\ufffd"), e.at, e.edited_at) for e in events]


def awkward_messages() -> list[MessagePosted]:
    edited = T0 + timedelta(hours=1, microseconds=123456)
    return [
        message(n, text=text, edited_at=edited if n % 2 else None)
        for n, text in enumerate(AWKWARD_TEXTS)
    ]


def test_texts_and_times_come_back_exactly(community: Community) -> None:
    # The bulk writer hands the store one JSON document per chunk: bodies and times
    # must come back as they went in, whatever characters they hold.
    events = awkward_messages()
    ingest(events, community)
    assert stored_texts_and_times() == expected_texts_and_times(events)
    assert ingest(events, community).messages == 0  # the same ids again: nothing new


def test_live_ingest_stores_texts_as_the_bulk_writer_does(community: Community) -> None:
    from shequn.chat.ingest import LiveIngest

    events = awkward_messages()
    live = LiveIngest(community)
    live.add(events[0])  # a new group and account: through ``ingest``
    for event in events[1:]:
        live.add(event)
    live.flush()
    assert stored_texts_and_times() == expected_texts_and_times(events)


def test_same_batch_twice_adds_nothing(community: Community) -> None:
    events = [joined(0, "u1"), message(1, "u1"), message(2, "u2", reply_to="m1")]
    ingest(events, community)
    before = counts()
    again = ingest(events, community)
    assert counts() == before
    assert again.messages == 0 and again.duplicates == 2 and again.joins == 0


def test_overlapping_batches_add_only_the_new_part(community: Community) -> None:
    ingest([message(n) for n in range(0, 60)], community)
    stats = ingest([message(n) for n in range(40, 100)], community, chunk_size=7)
    assert stats.messages == 40 and stats.duplicates == 20
    assert Message.objects.count() == 100


def test_failure_midway_leaves_store_unchanged(community: Community) -> None:
    ingest([message(1)], community)
    before = counts()

    def events():  # type: ignore[no-untyped-def]
        yield from (message(n, f"new{n}") for n in range(2, 50))
        raise OSError("disk went away")

    with pytest.raises(OSError):
        ingest(events(), community, chunk_size=10)
    assert counts() == before


def test_naive_datetime_is_refused_by_name_and_nothing_is_written(community: Community) -> None:
    good = [message(n) for n in range(5)]
    bad = message(5)
    object.__setattr__(bad, "at", datetime(2026, 3, 1, 12, 0))
    with pytest.raises(IngestError, match=r"event 5 \(MessagePosted 'm5' in test/g1\).*naive"):
        ingest([*good, bad], community, chunk_size=2)
    assert Message.objects.count() == 0 and Account.objects.count() == 0


def test_missing_event_id_is_refused(community: Community) -> None:
    bad = message(1)
    object.__setattr__(bad, "event_id", "")
    with pytest.raises(IngestError, match="missing event_id"):
        ingest([bad], community)
    assert Group.objects.count() == 0


def test_join_records_inviter_and_leave_closes_the_stay(community: Community) -> None:
    ingest([joined(0, "boss"), joined(1, "newbie", inviter="boss")], community)
    stay = Membership.objects.get(account__external_id="newbie")
    assert stay.inviter is not None and stay.inviter.external_id == "boss"
    assert stay.join_how == "invite" and stay.joined_at == T0 + timedelta(minutes=1)
    kick = MemberLeft(
        platform="test",
        group="g1",
        event_id="k1",
        at=T0 + timedelta(hours=1),
        actor=Actor(id="boss"),
        member=Actor(id="newbie"),
        how=LeaveHow.REMOVED,
    )
    ingest([kick], community)
    ingest([kick], community)
    stay.refresh_from_db()
    assert stay.left_how == "removed" and stay.removed_by is not None
    assert stay.removed_by.external_id == "boss"
    # Coming back opens a second stay; the first keeps its history.
    ingest([joined(90, "newbie")], community)
    assert Membership.objects.filter(account__external_id="newbie").count() == 2


def test_speaker_before_join_gets_one_stay_filled_by_the_join(community: Community) -> None:
    ingest([message(1, "early")], community)
    ingest([joined(2, "early", inviter="u1")], community)
    stays = Membership.objects.filter(account__external_id="early")
    assert stays.count() == 1
    assert stays.get().join_how == "invite" and stays.get().first_seen_at is not None


def test_mentions_reactions_deletions_renames(community: Community) -> None:
    events = [
        message(1, "u1"),
        message(2, "u2", mentions=(Mention(id="u1"), Mention(name="成员u2"), Mention(name="?"))),
        ReactionAdded(
            platform="test",
            group="g1",
            event_id="r1",
            at=T0,
            actor=Actor(id="u2"),
            message_id="m1",
            emoji="👍",
        ),
        MessageDeleted(
            platform="test", group="g1", event_id="d1", at=T0, actor=None, message_id="m1"
        ),
        MemberRenamed(
            platform="test",
            group="g1",
            event_id="n1",
            at=T0,
            actor=Actor(id="u2"),
            old_name="成员u2",
            new_name="北京-投资-王磊",
        ),
        GroupRenamed(
            platform="test", group="g1", event_id="t1", at=T0, actor=None, new_name="新群名"
        ),
    ]
    stats = ingest(events, community)
    ingest(events, community)
    u1, u2 = (Account.objects.get(external_id=x) for x in ("u1", "u2"))
    second = Message.objects.get(external_id="m2")
    assert second.mentions == [u1.pk, u2.pk]  # the unknown name is dropped
    assert stats.reactions == 1 and Reaction.objects.count() == 1
    assert Message.objects.get(external_id="m1").deleted_at == T0
    assert Membership.objects.get(account=u2).nickname == "北京-投资-王磊"
    assert Group.objects.get().name == "新群名"


def test_kinds_and_system_messages_without_sender(community: Community) -> None:
    packet = message(1, kind=MessageKind.RED_PACKET, text="[红包]")
    system = message(2)
    object.__setattr__(system, "actor", None)
    ingest([packet, system], community)
    assert Message.objects.get(external_id="m1").kind == "red_packet"
    assert Message.objects.get(external_id="m2").sender is None


def test_groups_of_other_communities_are_not_taken_over(community: Community) -> None:
    other = Community.objects.create(name="另一个社群")
    ingest([message(1)], community)
    with pytest.raises(IngestError, match="belongs to another community"):
        ingest([message(2)], other)
    assert Message.objects.count() == 1 and not Account.objects.filter(community=other).exists()


def test_live_ingest_holds_messages_until_flushed_and_stores_each_once(
    community: Community,
) -> None:
    """The live engine's door: rows wait for ``flush``; a repeated event adds nothing."""
    from shequn.chat.ingest import LiveIngest

    live = LiveIngest(community)
    live.add(joined(1, "u1"))  # a new group and account: through ``ingest`` at once
    assert counts()["memberships"] == 1
    live.add(message(2))
    live.add(message(3))
    live.add(message(2))  # the platform sent it twice
    assert counts()["messages"] == 0
    live.flush()
    assert counts()["messages"] == 2
    live.add(message(3))
    live.add(message(4, who="u2"))  # an unknown sender: rows before it are written first
    assert counts()["messages"] == 3
    assert Account.objects.filter(external_id="u2").count() == 1


def test_live_ingest_refuses_a_bad_event_and_keeps_the_ones_before(community: Community) -> None:
    from shequn.chat.ingest import LiveIngest

    live = LiveIngest(community)
    live.add(joined(1, "u1"))
    live.add(message(2))
    bad = dataclasses.replace(message(3), at=datetime(2026, 3, 1, 12, 3))
    with pytest.raises(IngestError, match="naive datetime"):
        live.add(bad)
    assert not live.stale  # refused before anything was remembered: it may go on
    live.add(message(4))
    bad_join = dataclasses.replace(joined(5, "u2"), at=datetime(2026, 3, 1, 12, 5))
    with pytest.raises(IngestError, match="naive datetime"):
        live.add(bad_join)  # through ``ingest``, which wrote the held rows first
    assert live.stale
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m2", "m4"]


def test_storing_messages_raises_their_groups_version_only(community: Community) -> None:
    """The console's caches are keyed by it: a new message must give a new version."""

    def versions() -> dict[str, int]:
        return dict(Group.objects.values_list("external_id", "messages_version"))

    ingest([joined(0, "u1"), joined(1, "u1", group="g2")], community)
    assert versions() == {"g1": 0, "g2": 0}  # joins alone: no messages yet
    ingest([message(2), message(3)], community)
    assert versions() == {"g1": 1, "g2": 0}
    from shequn.chat.ingest import LiveIngest

    live = LiveIngest(community)
    live.add(message(4, group="g2"))  # the group is new to this door: stored at once
    assert versions()["g2"] == 1
    live.add(message(5, group="g2"))
    assert versions()["g2"] == 1  # held, not stored yet
    live.flush()
    live.flush()  # nothing held: nothing raised
    assert versions() == {"g1": 1, "g2": 2}


def left_at(n: int, who: str, how: LeaveHow = LeaveHow.LEFT) -> MemberLeft:
    member = Actor(id=who)
    return MemberLeft(
        platform="test", group="g1", event_id=f"l{n}", at=T0 + timedelta(minutes=n),
        actor=member, member=member, how=how,
    )  # fmt: skip


def stays_of(who: str) -> list[tuple[object, ...]]:
    rows = Membership.objects.filter(account__external_id=who).order_by("pk")
    return list(rows.values_list("joined_at", "left_at", "left_how", "join_event_id"))


def test_reimport_judges_each_join_and_leave_by_its_own_time(community: Community) -> None:
    # A second leave and a second join that changed nothing the first time (as WhatsApp
    # exports hold them) must change nothing on a re-import either: judged against the
    # later stays the first import opened, the early leave closed the latest stay and
    # the repeated join opened a stay of its own.
    history = [
        message(1, "u7"),  # seen before any join: a stay opened by speaking
        left_at(2, "u7", LeaveHow.REMOVED),
        left_at(3, "u7"),  # left twice: nothing new
        joined(4, "u7"),  # back: a second stay
        joined(5, "u7"),  # joined twice: nothing new
        left_at(6, "u7"),
        left_at(7, "u7"),  # left twice again
        joined(8, "u7"),  # back: a third stay, still open
        joined(9, "u7"),
    ]
    first = ingest(history, community)
    before = stays_of("u7")
    assert (first.joins, first.leaves, len(before)) == (2, 2, 3)
    again = ingest(history, community)
    assert (again.joins, again.leaves, again.messages) == (0, 0, 0)
    assert stays_of("u7") == before


def test_groups_loaded_at_once_are_judged_as_if_read_one_by_one(
    community: Community, django_assert_num_queries: object
) -> None:
    """The live engine reads its groups and their stays together; what it stores then
    is what it would store reading each group at its first event."""
    from shequn.chat.ingest import LiveIngest

    ingest([joined(1, "u1"), joined(2, "u1", group="g2"), message(3)], community)
    before = stays_of("u1")
    live = LiveIngest(community)
    live.directory.load_groups(Group.objects.filter(community=community))
    with django_assert_num_queries(0):  # type: ignore[operator]
        live.add(message(4, group="g2"))  # known group and sender: held, nothing read
    live.add(joined(5, "u1"))  # already in: no second stay
    gone = dataclasses.replace(left_at(6, "u1"), group="g2")
    live.add(gone)  # closes the stay in g2, not the one in g1
    live.flush()
    after = stays_of("u1")
    assert len(after) == len(before) == 2
    assert [stay[1] is None for stay in after] == [True, False]
    assert Message.objects.filter(group__external_id="g2").count() == 1
