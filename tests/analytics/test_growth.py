"""Fission quality as pure functions of hand-built frames: tree, outcomes, scores, fraud signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shequn.analytics.growth import frames as f
from shequn.analytics.growth.fraud import fraud_signals
from shequn.analytics.growth.outcomes import invitations, stay_outcomes
from shequn.analytics.growth.quality import quality
from shequn.analytics.growth.summary import summarise
from shequn.analytics.growth.tree import referral_tree

T = datetime(2026, 1, 1, tzinfo=UTC)


def at(days: float) -> datetime:
    return T + timedelta(days=days)


def stay(
    i: int, person: int, inviter: int | None = None, *, group: int = 1, how: str = "invite",
    campaign: str = "", joined: float | None = 0, left: float | None = None, left_how: str = "",
    bot: bool = False,
) -> dict[str, Any]:  # fmt: skip
    return {
        "stay_id": i, "group_id": group, "person_id": person, "inviter_person_id": inviter,
        "join_how": how, "campaign": campaign,
        "joined_at": None if joined is None else at(joined),
        "left_at": None if left is None else at(left), "left_how": left_how, "is_bot": bot,
    }  # fmt: skip


def growth(
    stays: list[dict[str, Any]],
    *,
    spoke: tuple[int, ...] = (),
    checkins: tuple[int, ...] = (),
    ads: tuple[int, ...] = (),
    removals: tuple[int, ...] = (),
    paid: tuple[int, ...] = (),
    as_of: float = 40,
) -> f.GrowthFrames:
    """Frames of group 1; ``spoke`` etc. name persons who did that on day 2."""
    day2 = at(2)
    events = [{"group_id": 1, "person_id": p, "at": day2} for p in checkins]
    return f.GrowthFrames(
        stays=f.frame(f.STAYS, stays),
        activity=f.frame(
            f.ACTIVITY,
            [{"group_id": 1, "person_id": p, "messages": 3, "last_at": day2} for p in spoke],
        ),
        checkins=f.frame(f.EVENTS, events),
        ads=f.frame(f.EVENTS, [{"group_id": 1, "person_id": p, "at": at(0.01)} for p in ads]),
        removals=f.frame(f.EVENTS, [{"group_id": 1, "person_id": p, "at": day2} for p in removals]),
        orders=f.frame(f.ORDERS, [{"person_id": p, "paid_at": day2} for p in paid]),
        persons=f.frame(
            f.PERSONS, [{"person_id": i, "number": i, "name": f"p{i}"} for i in range(1, 20)]
        ),
        as_of=at(as_of),
    )


def by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


# --- the tree ---------------------------------------------------------------------------


def test_tree_parents_depth_and_subtree_sizes() -> None:
    """1 brings 2 and 3; 2 brings 4 and 5; 6 is a root; 4's second stay (in group 2) by 3
    does not move them: the first stay decides who brought a person in."""
    stays = [
        stay(1, 1, how="added"), stay(2, 2, 1, joined=1), stay(3, 3, 1, joined=1),
        stay(4, 4, 2, joined=2), stay(5, 5, 2, joined=3), stay(6, 6, how="link", joined=1),
        stay(7, 4, 3, group=2, joined=5),
    ]  # fmt: skip
    tree = referral_tree(f.frame(f.STAYS, stays))
    nodes = {r["person_id"]: r for r in tree.nodes.to_dicts()}
    assert {p: (n["parent_id"], n["depth"]) for p, n in nodes.items()} == {
        1: (None, 0), 2: (1, 1), 3: (1, 1), 4: (2, 2), 5: (2, 2), 6: (None, 0),
    }  # fmt: skip
    assert {p: n["size"] for p, n in nodes.items()} == {1: 5, 2: 3, 3: 1, 4: 1, 5: 1, 6: 1}
    assert {p: n["invited"] for p, n in nodes.items()} == {1: 2, 2: 2, 3: 0, 4: 0, 5: 0, 6: 0}
    assert (tree.people, tree.roots, tree.referred, tree.max_depth, tree.in_loops) == (
        6, 2, 4, 2, 0
    )  # fmt: skip


def test_tree_loops_bots_and_outside_inviters() -> None:
    """7 and 8 bring each other in at the same instant (bad data): a loop, counted; a bot's
    adds are nobody's referral; an inviter with no stay (code owner 9) is a root."""
    stays = [
        stay(1, 7, 8, joined=1), stay(2, 8, 7, joined=1), stay(3, 10, bot=True),
        stay(4, 11, 10, joined=2), stay(5, 12, 9, joined=2),
    ]  # fmt: skip
    tree = referral_tree(f.frame(f.STAYS, stays))
    nodes = {r["person_id"]: r for r in tree.nodes.to_dicts()}
    assert nodes[7]["depth"] is None and nodes[8]["depth"] is None
    assert nodes[11]["parent_id"] is None and 10 not in nodes
    assert (nodes[9]["depth"], nodes[12]["parent_id"], nodes[12]["depth"]) == (0, 9, 1)
    assert tree.in_loops == 2


# --- outcomes and the score -------------------------------------------------------------


def test_outcomes_count_from_the_join_and_wait_until_they_can_be_judged() -> None:
    stays = [
        stay(1, 2, 1, joined=10, left=12, left_how="left"),  # gone after 2 days
        stay(2, 3, 1, joined=38),  # 2 days old: not judged on 7 days yet
        stay(3, 4, 1, joined=0, left=0.5, left_how="removed"),  # removed, ad on day 0.01
    ]
    rows = stay_outcomes(growth(stays, spoke=(2, 3), ads=(4,))).to_dicts()
    out = {r["person_id"]: r for r in rows}
    assert (out[2]["eligible7"], out[2]["stayed7"], out[2]["spoke"]) == (True, False, False)
    assert (out[3]["eligible7"], out[3]["stayed7"]) == (False, False)  # too young to count
    assert out[3]["spoke"] is False  # they spoke on day 2, before this stay began on day 38
    assert out[4]["removed_ad"] and out[4]["advertised"] and out[4]["left_in_a_day"]
    assert out[3]["never_active"] is False  # spoke in the community, before this stay


def test_quality_scores_by_the_documented_formula() -> None:
    """Inviter 1: 2 and 3 stay 40 days, 2 speaks, checks in and buys; inviter 2: 4 stays and
    speaks, 5 is an advertiser the moderation rule removed within hours.

    Inviter 1: rates k/(n+1) with n=2: stayed 2/3, 2/3; spoke, checked in, bought 1/3 each:
    good = .2·2/3 + .2·2/3 + .3/3 + .1/3 + .2/3 = 0.4667 → 46.7.
    Inviter 2: stayed 1/3, 1/3; spoke 1/3: good = .2/3 + .2/3 + .3/3 = 0.2333;
    bad = 1.5·1/3 + 0.5·1/3 = 0.6667 → −43.3.
    """
    stays = [
        stay(1, 1, how="added"), stay(2, 2, 1), stay(3, 3, 1),
        stay(4, 4, 2), stay(5, 5, 2, left=0.2, left_how="removed"),
    ]  # fmt: skip
    frames = growth(stays, spoke=(1, 2, 4), checkins=(2,), paid=(2,), removals=(5,))
    rows = by(summarise(frames).inviters, "inviter_person_id")
    assert rows[1]["score"] == pytest.approx(46.7)
    assert rows[2]["score"] == pytest.approx(-43.3)
    assert (rows[2]["removed_ad"], rows[2]["advertised"], rows[2]["left_in_a_day"]) == (1, 1, 1)
    assert (rows[1]["number"], rows[1]["name"]) == (1, "p1")


def test_unjudged_outcomes_drop_out_of_the_score() -> None:
    """Both invitees joined 3 days ago and spoke: only spoke, checked in and bought count
    (weights 0.3, 0.1, 0.2): good = .3·2/3 / 0.6 = 0.3333 → 33.3."""
    stays = [stay(1, 2, 1, joined=37), stay(2, 3, 1, joined=37)]
    frames = growth(stays, as_of=40)
    frames = f.GrowthFrames(**{**frames.__dict__, "activity": f.frame(f.ACTIVITY, [
        {"group_id": 1, "person_id": p, "messages": 1, "last_at": at(38)}
        for p in (2, 3)])})  # fmt: skip
    table = quality(invitations(stay_outcomes(frames)), "inviter_person_id").to_dicts()
    assert table[0]["stayed7_rate"] is None and table[0]["score"] == pytest.approx(33.3)


def test_one_invitee_counts_once_per_inviter_and_campaigns_and_channels() -> None:
    stays = [
        stay(1, 2, 1, campaign="春季", how="qr"), stay(2, 2, 1, group=2, joined=3),
        stay(3, 3, 1, campaign="春季", how="qr"), stay(4, 4, how="link"),
    ]  # fmt: skip
    g = summarise(growth(stays, spoke=(2,)))
    assert by(g.inviters, "inviter_person_id")[1]["invitees"] == 2
    assert by(g.campaigns, "campaign")["春季"]["invitees"] == 2
    channels = by(g.channels, "join_how")
    assert (channels["qr"]["invitees"], channels["invite"]["invitees"]) == (2, 1)
    assert g.joins == 4


# --- fraud signals ----------------------------------------------------------------------


def test_fraud_signals() -> None:
    """Inviter 1: 5 joins in 50 minutes (a burst), 3 of them gone within a day; inviter 2:
    an advertiser; inviter 3: 5 invitees a day apart, none ever spoke; inviter 4: 4 joins
    in an hour and a half, 4 quiet invitees: no signal."""
    stays = [stay(i, 10 + i, 1, joined=1 + i * 10 / 1440) for i in range(5)]
    stays[0]["left_at"] = stays[1]["left_at"] = stays[2]["left_at"] = at(1.5)
    stays += [stay(20, 20, 2)]
    stays += [stay(30 + i, 30 + i, 3, joined=5 + i) for i in range(5)]
    stays += [stay(40 + i, 40 + i, 4, joined=2 + i * 30 / 1440) for i in range(4)]
    frames = growth(stays, ads=(20,), spoke=(10, 11, 12, 13, 14))
    signals = fraud_signals(frames.stays, invitations(stay_outcomes(frames)))
    found = {(r["inviter_person_id"], r["kind"]): r for r in signals.to_dicts()}
    assert set(found) == {(1, "burst"), (1, "quick_leave"), (2, "ad_posts"), (3, "inactive")}
    assert found[(1, "burst")]["count"] == 5
    assert found[(1, "quick_leave")]["persons"] == [10, 11, 12]
    assert found[(2, "ad_posts")]["persons"] == [20]
    assert found[(3, "inactive")]["count"] == 5


def test_empty_frames() -> None:
    g = summarise(f.GrowthFrames.empty(T))
    assert (g.joins, g.inviters, g.signals, g.tree.people) == (0, [], [], 0)
