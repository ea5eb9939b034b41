"""The rewards pages and API: operators create and change rules (audited), anyone in the
community reads rules, leaderboards and grants; outsiders get 404; names are escaped.

World (``test_edit.build_world``): community A with group g1 and members u1, u2; alice owns
A, dan views A, bob operates B; frank is added here as operator of A.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.community.actions import create_api_token, grant_staff
from shequn.community.models import AuditLog, Community, Group
from shequn.community.reward_models import RewardRule
from shequn.playbook.models import Job
from shequn.playbook.rewards import evaluate
from tests.playbook.test_rewards_kit import day, invite
from tests.web.test_edit import EVIL, build_world, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.store]

GOOD = {
    "name": "邀请有礼", "measure": "invitees", "threshold": "2", "stay_days": "7",
    "clawback_days": "30", "points": "10", "gift": "水果小零食", "leaderboard_top": "10",
    "active": "on",
}  # fmt: skip


@pytest.fixture
def community() -> Community:
    world = build_world()
    grant_staff(User.objects.create_user("frank"), world["A"], "operator", by="test")
    return world["A"]


def test_operator_creates_a_rule_audited_and_a_sweep_is_planned(community: Community) -> None:
    response = client_for("frank").post(f"/communities/{community.pk}/rewards/", GOOD)
    rule = RewardRule.objects.get()
    assert response.status_code == 302 and rule.threshold == 2 and rule.gift == "水果小零食"
    entry = AuditLog.objects.get(action="reward.rule.create")
    assert entry.user is not None and entry.user.username == "frank"
    assert Job.objects.filter(kind="reward_sweep", state="pending").count() == 1
    changed = {**GOOD, "threshold": "5"}
    saved = client_for("frank").post(f"/rewards/{rule.pk}/", changed)
    assert saved.status_code == 302
    update = AuditLog.objects.get(action="reward.rule.update")
    assert update.details["before"] == {"threshold": 2} and update.details["after"] == {
        "threshold": 5
    }
    assert Job.objects.filter(kind="reward_sweep", state="pending").count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("threshold", "0"), ("measure", "likes"), ("leaderboard_at", "25:00"), ("points", "-1")],
)
def test_a_bad_rule_is_refused_naming_the_field(
    community: Community, field: str, value: str
) -> None:
    response = client_for("frank").post(
        f"/communities/{community.pk}/rewards/", {**GOOD, field: value}
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert (
        not RewardRule.objects.exists()
        and not AuditLog.objects.filter(action__startswith="reward.").exists()
    )


def test_a_leaderboard_needs_both_a_group_and_a_time(community: Community) -> None:
    group = Group.objects.get(external_id="g1")
    response = client_for("frank").post(
        f"/communities/{community.pk}/rewards/", {**GOOD, "leaderboard_group": str(group.pk)}
    )
    assert response.status_code == 400 and not RewardRule.objects.exists()
    ok = {**GOOD, "leaderboard_group": str(group.pk), "leaderboard_at": "20:00"}
    assert client_for("frank").post(f"/communities/{community.pk}/rewards/", ok).status_code == 302
    assert Job.objects.filter(kind="reward_leaderboard", group=group).count() == 1


def test_viewers_read_boards_and_grants_escaped_but_may_not_write(community: Community) -> None:
    invite(community, "u1", EVIL, 0)  # an invitee named with markup: one display name
    invite(community, "u1", "x2", 1)
    rule = RewardRule.objects.create(community=community, name="邀请有礼", measure="invitees",
                                     threshold=2, points=10)  # fmt: skip
    evaluate(rule, day(30))
    page = client_for("dan").get(f"/communities/{community.pk}/rewards/")
    text = page.content.decode()
    assert page.status_code == 200 and "reward-new" not in text and "成员u1" in text
    assert 'id="board-' in text and "reward-grants" in text and "发放记录" in text
    assert client_for("dan").post(f"/communities/{community.pk}/rewards/", GOOD).status_code == 403
    assert client_for("bob").get(f"/rewards/{rule.pk}/").status_code == 404
    invite(community, "u2", "x3", 0, group="g1")
    RewardRule.objects.filter(pk=rule.pk).update(name=EVIL)
    shown = client_for("dan").get(f"/rewards/{rule.pk}/").content.decode()
    assert EVIL not in shown and "&lt;script&gt;" in shown


def test_evaluate_now_queues_a_sweep_audited(community: Community) -> None:
    url = f"/communities/{community.pk}/rewards/run/"
    assert client_for("frank").post(url).status_code == 302
    assert not Job.objects.filter(kind="reward_sweep").exists()  # no active rule: nothing
    RewardRule.objects.create(community=community, name="r", measure="invitees", threshold=1)
    assert client_for("frank").post(url).status_code == 302
    assert Job.objects.filter(kind="reward_sweep", state="pending").count() == 1
    assert AuditLog.objects.get(action="reward.sweep.request").user.username == "frank"  # type: ignore[union-attr]


def _api(who: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(User.objects.get(username=who))}")


def test_the_api_gives_the_rules_with_their_leaderboards_and_grants(community: Community) -> None:
    invite(community, "u1", "x1", 0)
    invite(community, "u1", "x2", 1)
    invite(community, "u2", "x3", 1)
    rule = RewardRule.objects.create(community=community, name="邀请有礼", measure="invitees",
                                     threshold=2, points=10, gift="礼物")  # fmt: skip
    evaluate(rule, day(30))
    body: list[dict[str, Any]] = _api("dan").get(f"/api/communities/{community.pk}/rewards").json()
    (got,) = body
    assert got["name"] == "邀请有礼" and got["threshold"] == 2 and got["gift"] == "礼物"
    assert [(r["place"], r["name"], r["count"]) for r in got["leaderboard"]] == [
        (1, "成员u1", 2), (2, "成员u2", 1),
    ]  # fmt: skip
    assert [(g["step"], g["count"], g["points"]) for g in got["grants"]] == [(2, 2, 10)]
    assert _api("bob").get(f"/api/communities/{community.pk}/rewards").status_code == 404
