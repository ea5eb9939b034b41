"""The funnel read from the store (Arrow-native) and its section in a group's report.

Groups: gf (free), gt (trial), gp (paid), all in March 2026 (T0 = 03-01 12:00 UTC):
u1 joins gf on day 0, says 6 things there, joins gt on day 5 and gp on day 10;
u2 is invited into gf by u1 on day 2 and buys the course (paid) on day 20;
u3 joins gf on day 3, says 2 things, buys a product (not the paid group) on day 4;
u4 joins gp only. So: joined 4, free 3, trial 1 (u1), paid 2 (u1, u2).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shequn.analytics.frames import Window
from shequn.analytics.funnel_load import community_funnel
from shequn.analytics.funnel_section import build
from shequn.analytics.report.build import report_for_group
from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import Community, Group, OfferKind
from tests.playbook.test_rewards_kit import T0, invite, join, offer, order
from tests.store.factories import message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def build_funnel_world() -> Community:
    """The community of the module's docstring."""
    community = get_or_create_community("转化社群")
    join(community, "u1", 0, group="gf")
    ingest([message(n, who="u1", group="gf") for n in range(1, 7)], community)
    join(community, "u1", 5, group="gt")
    join(community, "u1", 10, group="gp")
    invite(community, "u1", "u2", 2, group="gf")
    join(community, "u3", 3, group="gf")
    ingest([message(n, who="u3", group="gf") for n in range(7, 9)], community)
    join(community, "u4", 1, group="gp")
    for external_id, kind in (("gf", "free"), ("gt", "trial"), ("gp", "paid")):
        Group.objects.filter(external_id=external_id).update(kind=kind)
    order(offer(community, OfferKind.COURSE), "u2", None, 1, on=20)
    order(offer(community, OfferKind.PRODUCT), "u3", None, 2, on=4)
    return community


def test_the_funnel_from_the_store() -> None:
    community = build_funnel_world()
    result = community_funnel(community.pk, timezone.now())
    totals = {k: v for k, v in result.totals.items() if k != "now"}
    assert totals == {"joined": 4, "free": 3, "trial": 1, "paid": 2}
    assert result.cohorts.select("cohort", "joined", "free", "trial", "paid").rows() == [
        ("2026-03", 4, 3, 1, 2)
    ]
    assert result.by_inviter.select("inviter_name", "members", "paid").rows() == [
        (None, 2, 1), ("成员u1", 1, 1),
    ]  # fmt: skip
    assert result.by_activity.select("band", "members").rows() == [("0", 1), ("1-9", 2)]
    early = community_funnel(community.pk, T0 + timedelta(days=4))
    assert {k: early.totals[k] for k in ("free", "trial", "paid")} == {
        "free": 3, "trial": 0, "paid": 0,
    }  # fmt: skip


def test_the_report_section_shows_the_community_funnel_or_nothing() -> None:
    community = build_funnel_world()
    group = Group.objects.get(external_id="gt")
    section = build(group.pk, Window(T0, timezone.now()))
    assert section is not None and section.key == "funnel"
    assert section.rows == [["2026-03", 4, 3, 1, 2, "67%"]]
    assert section.data["totals"]["paid"] == 2
    Group.objects.filter(community=community, kind="free").update(kind="social")
    assert build(group.pk, Window(T0, timezone.now())) is None


def test_a_community_with_no_orders_messages_or_ties_reads_cleanly() -> None:
    community = get_or_create_community("空社群")
    join(community, "v1", 0, group="free1")
    Group.objects.filter(external_id="free1").update(kind="free")
    result = community_funnel(community.pk, timezone.now())
    assert {k: result.totals[k] for k in ("joined", "free", "trial", "paid")} == {
        "joined": 1, "free": 1, "trial": 0, "paid": 0,
    }  # fmt: skip
    assert result.seeds.height == 0 and result.by_activity.select("band").rows() == [("0",)]


def test_a_free_group_with_nobody_in_it_gives_an_empty_funnel() -> None:
    community = get_or_create_community("空群")
    Group.objects.create(community=community, platform="t", external_id="x", name="x", kind="free")
    result = community_funnel(community.pk, timezone.now())
    assert result.totals["joined"] == 0 and result.as_dict()["cohorts"] == []
    assert [r["members"] for r in result.as_dict()["by_time"]] == [0, 0, 0, 0]


def test_a_groups_report_carries_the_funnel_section() -> None:
    build_funnel_world()
    report = report_for_group(Group.objects.get(external_id="gf").pk, None, None)
    funnel_data = report.as_dict()["sections"]["funnel"]
    assert funnel_data["totals"]["free"] == 3 and funnel_data["cohorts"][0]["paid"] == 2
