"""Fission quality on the demo community, read from the store: the advertiser-inviter is worst."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shequn.analytics.frames import Window
from shequn.analytics.growth.load import read_growth
from shequn.analytics.growth.section import build as growth_section
from shequn.analytics.growth.summary import summarise
from shequn.community.models import Account, Community, Group
from shequn.demo.generator import build
from shequn.demo.load import COMMUNITY, load_demo
from shequn.demo.world import END, START, shown
from shequn.events import MemberJoined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def test_the_advertiser_inviter_comes_out_worst() -> None:
    demo = build()
    ad_joins = [
        e for e in demo.events if isinstance(e, MemberJoined) and e.member.id.startswith("wxid_ad")
    ]
    inviters = {e.inviter.id for e in ad_joins if e.inviter is not None}
    assert len(ad_joins) == 8 and len(inviters) == 1, "the demo has one advertiser-inviter"
    load_demo()
    community = Community.objects.get(name=COMMUNITY)
    culprit = Account.objects.get(community=community, external_id=inviters.pop()).person_id
    as_of = datetime.combine(shown(END), datetime.min.time(), UTC)
    growth = summarise(read_growth(community.pk, as_of))

    worst = growth.inviters[-1]
    assert worst["inviter_person_id"] == culprit
    assert worst["advertised"] == 8 and worst["removed_ad"] == 5
    assert worst["score"] < 0 < growth.inviters[0]["score"]
    assert all(row["score"] > worst["score"] for row in growth.inviters[:-1])
    flagged = {(s["inviter_person_id"], s["kind"]) for s in growth.signals}
    assert (culprit, "ad_posts") in flagged
    assert not any(kind == "ad_posts" and who != culprit for who, kind in flagged)

    # The tree: the owner (林晓) brought the founders of three groups; nobody is in a loop.
    owner = Account.objects.get(community=community, external_id="wxid_demo0000").person_id
    nodes = {r["person_id"]: r for r in growth.tree.nodes.to_dicts()}
    assert nodes[owner]["depth"] == 0 and nodes[owner]["size"] > 100
    assert growth.tree.in_loops == 0 and growth.tree.max_depth >= 2
    channels = {row["join_how"] for row in growth.channels}
    assert {"invite", "qr", "link", "added"} <= channels

    # The report's growth section for the fan group names the culprit among the worst.
    fans = Group.objects.get(external_id="demo-fans@chatroom")
    start = datetime.combine(shown(START), datetime.min.time(), UTC)
    section = growth_section(fans.pk, Window(start, as_of))
    assert section is not None and section.key == "growth"
    assert section.data["worst_inviters"][-1]["inviter_person_id"] == culprit
    labels = [row[0] for row in section.rows]
    assert "二维码 / QR code" in labels and f"#{worst['number']} {worst['name']}" in labels
