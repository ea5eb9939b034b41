"""Matching and routing read from the store: the demo community (``demo.resources``), reactions."""

from __future__ import annotations

import pytest

from shequn.analytics.matching import load_profiles
from shequn.analytics.matching.tokens import terms
from shequn.community.models import Account, Community, Group
from shequn.demo import resources
from shequn.demo.generator import build
from shequn.demo.load import COMMUNITY, load_demo
from shequn.demo.world import PLATFORM

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def person_of(community: Community, index: int) -> int:
    key = build().people[index].key
    account = Account.objects.get(community=community, platform=PLATFORM, external_id=key)
    return int(account.person_id)


def test_demo_known_match_and_routing() -> None:
    load_demo()
    community = Community.objects.get(name=COMMUNITY)
    profiles = load_profiles(community.pk)
    needy = person_of(community, resources.NEEDY)
    expert = person_of(community, resources.EXPERT)

    found = profiles.match_needs(needy, limit=3)
    mine = [m for m in found if m.offer.person_id == expert]
    assert found[0].offer.person_id == expert, "the expert is the best match for the need"
    assert mine[0].need == resources.NEED
    reason = mine[0].offer.reason_en
    assert "offers 跨境电商物流、清关" in reason and "answer on 电商" in reason
    assert {e.source for e in mine[0].offer.evidence} >= {"offers", "answer"}

    social = Group.objects.get(external_id="demo-social@chatroom")
    routed = profiles.route("请问清关要多久？有人熟悉吗", group_id=social.pk, limit=2)
    assert routed[0].person_id == expert
    assert "清关" in routed[0].reason_zh

    # The expert opting out is never suggested; a prior can lift another member.
    quiet = load_profiles(community.pk, opted_out={expert})
    assert expert not in {c.person_id for c in quiet.route("清关？", group_id=social.pk)}
    assert all(m.offer.person_id != expert for m in quiet.match_needs(needy))


def test_every_demo_match_meets_the_need() -> None:
    load_demo()
    community = Community.objects.get(name=COMMUNITY)
    profiles = load_profiles(community.pk)
    matches = profiles.match_needs(limit=1)
    assert len(matches) >= 400
    for match in matches:
        assert match.offer.person_id != match.need_person_id
        pair = tuple(sorted((match.offer.person_id, match.need_person_id)))
        assert pair not in profiles.tied
        assert profiles.index.matched(match.offer.person_id, terms(match.need)), match


def test_reacted_answers_and_offers_from_the_store() -> None:
    from datetime import timedelta

    from shequn.chat.ingest import ingest
    from shequn.community import actions
    from shequn.events import Actor, ReactionAdded
    from tests.store.factories import T0, joined, message

    community = actions.get_or_create_community("匹配测试", "")
    events = [
        joined(0, "asker"),
        joined(1, "expert"),
        joined(2, "other"),
        message(3, "asker", text="请问清关要多久？"),
        message(4, "expert", text="清关一般三天", reply_to="m3"),
        ReactionAdded(
            platform="test",
            group="g1",
            event_id="r1",
            at=T0 + timedelta(minutes=5),
            actor=Actor(id="other"),
            message_id="m4",
            emoji="👍",
        ),
    ]
    ingest(events, community)
    profiles = load_profiles(community.pk, since=T0)
    expert = int(Account.objects.get(community=community, external_id="expert").person_id)
    group = Group.objects.get(community=community).pk
    routed = profiles.route("清关的问题有人懂吗", group_id=group)
    assert routed[0].person_id == expert
    from shequn.chat.models import Message

    answer = Message.objects.get(external_id="m4")
    assert routed[0].evidence[0].ref == f"message:{answer.pk}"  # good: it got a reaction
    assert "1 answer on 清关" in routed[0].reason_en
