"""The other groups, as a replay sees them: the store's answers as of each moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.chat.ingest import ingest
from shequn.community.actions import audit
from shequn.community.models import Community, Group
from shequn.events import Event
from shequn.playbook.moderation.undo import UNDOES
from shequn.playbook.replay_elsewhere import StoredElsewhere
from shequn.playbook.state import StoreState
from tests.playbook.conftest import T0, joined
from tests.playbook.test_memory_state import said

pytestmark = [pytest.mark.django_db, pytest.mark.store]

AD = "加微信 vx_12345 兼职日赚300"


def minute(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def groups(community: Community) -> dict[str, Group]:
    events: list[Event] = [
        said(1, "u1", AD, group="g1"),
        said(2, "u2", AD, group="g2"),
        said(3, "u3", AD, group="g3"),
        said(4, "u2", "别的话", group="g2"),
        said(20, "u2", AD, group="g2"),
        said(21, "u4", AD, group="g1"),
        joined(22, "ad", group="g3"),
    ]
    ingest(events, community)
    return {g.external_id: g for g in Group.objects.filter(community=community)}


def test_same_text_answers_equal_the_store_in_any_order(groups: dict[str, Group]) -> None:
    elsewhere = StoredElsewhere(groups["g1"])
    stored = StoreState(groups["g1"])
    asked = [
        (AD, 0, 1),  # nothing elsewhere yet
        (AD, 0, 2.5),
        (AD, 1, 3),
        (AD, 2.5, 5),  # the window moved on: g2's first copy is out
        ("别的话", 2.5, 5),
        (AD, 0, 30),  # reaches back before the window: asked of the store
        (AD, 10, 30),
        (AD, 25, 40),
        ("", 0, 40),
    ]
    for text, since, until in asked:
        start, end = T0 + minute(since), T0 + minute(until)
        expected = stored.same_text_groups(text, start, end)
        assert elsewhere.same_text_groups(text, start, end) == expected, (text, since, until)
    elsewhere.close()


def test_a_group_alone_has_nothing_elsewhere(community: Community) -> None:
    ingest([said(1, "u1", AD, group="solo")], community)
    alone = StoredElsewhere(Group.objects.get(external_id="solo"))
    assert alone.same_text_groups(AD, T0, T0 + minute(5)) == 0
    assert not alone.removed("moderation", "u1", T0 + minute(5))


def test_removals_elsewhere_count_from_the_event_that_caused_them(
    community: Community, groups: dict[str, Group]
) -> None:
    def removal(group: str, target: str, event_id: str, outcome: str = "performed") -> int:
        entry = audit(
            community, "Remove", rule="moderation", group=groups[group], target=target,
            outcome=outcome, details={"event_id": event_id},
        )  # fmt: skip
        return int(entry.pk)

    removal("g2", "u2", "m20")  # at minute 20
    removal("g3", "ad", "j22", outcome="dry_run")  # a join at minute 22
    undone = removal("g2", "u9", "m4")
    audit(community, "Mute", rule="operator:x", group=groups["g2"], details={UNDOES: undone})
    removal("g1", "u1", "m1")  # in the replayed group itself: the replay decides those
    removal("g2", "u3", "m3", outcome="failed")
    elsewhere = StoredElsewhere(groups["g1"])
    assert not elsewhere.removed("moderation", "u2", T0 + minute(19))
    assert elsewhere.removed("moderation", "u2", T0 + minute(20))
    assert elsewhere.removed("moderation", "ad", T0 + minute(22))
    assert not elsewhere.removed("welcome", "ad", T0 + minute(30))
    assert not elsewhere.removed("moderation", "u9", T0 + minute(30))
    assert not elsewhere.removed("moderation", "u1", T0 + minute(30))
    assert not elsewhere.removed("moderation", "u3", T0 + minute(30))
