"""The growth page and API: tree drawn, quality tables, invite codes with posters, fraud review."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shequn.chat.ingest import ingest
from shequn.community.actions import create_api_token, get_or_create_community, grant_staff
from shequn.community.models import Account, AuditLog, Community, InviteCode
from shequn.community.referral_actions import record_flags, review_flag
from shequn.community.referral_models import FraudFlag
from shequn.events import Actor, JoinHow, LeaveHow, MemberJoined, MemberLeft, MessagePosted
from shequn.web.growth import community_growth

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

EVIL = "<img src=x onerror=alert(1)>"
T0 = datetime.now(UTC) - timedelta(days=60)


def actor(who: str) -> Actor:
    return Actor(id=who, name=EVIL if who == "evil" else f"成员{who}")


def join(n: int, who: str, inviter: str | None, minutes: float = 0) -> MemberJoined:
    at = T0 + timedelta(days=n, minutes=minutes)
    how = JoinHow.INVITE if inviter else JoinHow.LINK
    by = actor(inviter) if inviter else None
    return MemberJoined(platform="test", group="g1", event_id=f"j{who}", at=at,
                        actor=by or actor(who), member=actor(who), how=how, inviter=by)  # fmt: skip


def say(n: int, who: str, text: str = "大家好") -> MessagePosted:
    at = T0 + timedelta(days=n, hours=1)
    return MessagePosted(platform="test", group="g1", event_id=f"m{n}-{who}", at=at,
                         actor=actor(who), text=text)  # fmt: skip


def leave(n: int, who: str) -> MemberLeft:
    return MemberLeft(platform="test", group="g1", event_id=f"l{who}",
                      at=T0 + timedelta(days=n, hours=3), actor=actor(who), member=actor(who),
                      how=LeaveHow.LEFT)  # fmt: skip


@pytest.fixture
def world() -> Community:
    """owner brings good1, good2 (who stay and talk) and evil; evil brings 5 in a burst, 3 of
    whom leave within hours; one of the 5 posts an ad, the other 4 never speak."""
    community = get_or_create_community("裂变社群")
    events: list[Any] = [join(0, "owner", None), join(1, "good1", "owner")]
    events += [join(1, "good2", "owner"), join(2, "evil", "owner")]
    events += [join(3, f"b{i}", "evil", minutes=5 * i) for i in range(5)]
    events += [say(4, "good1"), say(5, "good2"), say(5, "owner")]
    events += [say(3, "b0", "兼职刷单日赚300，加微信 vx_8888 详情 https://bit.ly/abc")]
    events += [leave(3, "b1"), leave(3, "b2"), leave(3, "b3")]
    ingest(events, community)
    grant_staff(User.objects.create_user("alice"), community, "owner", by="test")
    grant_staff(User.objects.create_user("dan"), community, "viewer", by="test")
    return community


def person_id(who: str) -> int:
    return Account.objects.get(external_id=who).person_id


def signed_in(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_page_draws_the_tree_and_ranks_inviters(world: Community) -> None:
    page = signed_in("dan").get(f"/communities/{world.pk}/growth/")
    assert page.status_code == 200
    html = page.content.decode()
    figure = re.search(r'<script id="growth-tree" type="application/json">(.*?)</script>', html)
    assert figure is not None and 'data-figure="growth-tree"' in html
    data = json.loads(figure.group(1))["data"][0]
    assert data["type"] == "sunburst"
    assert str(person_id("b0")) in data["ids"] and EVIL not in figure.group(1)
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "推荐树" in html and "裂变质量分怎么算" in html  # Chinese by default
    inviters = html[html.index('id="inviters"') : html.index('id="campaigns"')]
    assert inviters.index("成员owner") < inviters.index("&lt;img")  # the better first
    assert "growth/scan/" not in html and "growth/flags/" not in html  # a viewer reviews nothing


def test_scan_review_and_dismiss_flags(world: Community) -> None:
    alice = signed_in("alice")
    response = alice.post(f"/communities/{world.pk}/growth/scan/")
    assert response.status_code == 302
    flags = {f.kind: f for f in FraudFlag.objects.filter(inviter_id=person_id("evil"))}
    assert set(flags) == {"burst", "quick_leave", "ad_posts", "inactive"}
    assert flags["ad_posts"].persons == [person_id("b0")] and flags["burst"].count == 5
    assert flags["inactive"].count == 4  # b1–b4 never wrote a word
    assert AuditLog.objects.filter(action="referral_flag.open").count() == 4
    flag = flags["quick_leave"]
    url = f"/communities/{world.pk}/growth/flags/"
    done = alice.post(url, {"flag": flag.pk, "status": "dismissed", "note": "同事一起试用"})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.note, flag.reviewed_count) == ("dismissed", "同事一起试用", 3)
    entry = AuditLog.objects.get(action="referral_flag.dismissed")
    assert entry.user is not None and entry.user.username == "alice"
    # A second scan leaves the dismissed flag alone: its count did not grow.
    alice.post(f"/communities/{world.pk}/growth/scan/")
    flag.refresh_from_db()
    assert flag.status == "dismissed"
    bad = alice.post(url, {"flag": flag.pk, "status": "punished"})
    assert bad.status_code == 400
    # Nothing happened to the inviter: still in the group, no removal anywhere.
    assert not AuditLog.objects.filter(action__in=("Remove", "Mute")).exists()


def test_invite_code_and_poster(world: Community) -> None:
    alice = signed_in("alice")
    number = Account.objects.get(external_id="good1").person.number
    url = f"/communities/{world.pk}/growth/codes/"
    response = alice.post(url, {"number": number, "campaign": "双十一"})
    assert response.status_code == 302 and "?poster=" in response["Location"]
    code = InviteCode.objects.get(owner__number=number, community=world)
    assert code.campaign == "双十一"
    page = alice.get(response["Location"]).content.decode()
    poster = page[page.index('id="poster"') :]
    assert code.code in poster and "诚邀你加入" in poster and "invites you" in poster
    assert "双十一" in poster and "成员good1" in poster
    missing = alice.post(url, {"number": 999, "campaign": "x"})
    assert missing.status_code == 400 and "999" in missing.content.decode()


def test_api_gives_the_page_numbers(world: Community) -> None:
    token = create_api_token(User.objects.get(username="dan"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get(f"/api/communities/{world.pk}/growth").json()
    growth = community_growth(world)
    assert [(r["inviter_person_id"], r["score"]) for r in body["inviters"]] == [
        (r["inviter_person_id"], r["score"]) for r in growth.inviters
    ]
    evil = {r["inviter_person_id"]: r for r in body["inviters"]}[person_id("evil")]
    assert (evil["invitees"], evil["advertised"], evil["left_in_a_day"]) == (5, 1, 3)
    assert body["tree"] == {"people": 9, "roots": 1, "referred": 8, "max_depth": 2,
                            "in_loops": 0}  # fmt: skip
    nodes = client.get(f"/api/communities/{world.pk}/growth/tree").json()
    assert nodes[0]["person_id"] == person_id("owner") and nodes[0]["size"] == 9
    assert client.get(f"/api/communities/{world.pk}/growth/flags").json() == []


def test_a_dismissed_flag_reopens_only_when_it_grows(world: Community) -> None:
    evil, alice = person_id("evil"), User.objects.get(username="alice")

    def signal(count: int, kind: str = "burst") -> list[dict[str, Any]]:
        return [{"inviter_person_id": evil, "kind": kind, "count": count, "persons": [1, 2]}]

    assert record_flags(world, signal(5), user=None, by="test")["opened"] == 1
    flag = review_flag(FraudFlag.objects.get(kind="burst"), "dismissed", "", user=alice, by="t")
    assert record_flags(world, signal(5), user=None, by="test")["unchanged"] == 1
    assert record_flags(world, signal(4), user=None, by="test")["updated"] == 1
    flag.refresh_from_db()
    assert (flag.status, flag.count) == ("dismissed", 4)
    assert record_flags(world, signal(7), user=None, by="test")["reopened"] == 1
    flag.refresh_from_db()
    assert (flag.status, flag.count) == ("open", 7)
    assert AuditLog.objects.filter(action="referral_flag.reopen").count() == 1
    with pytest.raises(ValueError, match="kind"):
        record_flags(world, signal(9) + signal(1, kind="punish"), user=None, by="test")
    flag.refresh_from_db()
    assert flag.count == 7  # all or nothing: the good signal before the bad one is not kept
    with pytest.raises(ValueError, match="status"):
        review_flag(flag, "banned", "", user=alice, by="test")
