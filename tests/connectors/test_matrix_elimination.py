"""Dynamic elimination live on a real Synapse: a silent member is told, then removed.

The member's stay (joined 100 days ago, never spoke) is history the store already
holds; the sweep runs with a controlled clock: first the notice, then, once the
grace period is over, the kick. The notice reaches the member in a direct room
the bot opens with them (a Warn).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from shequn.chat.ingest import ingest
from shequn.community.actions import get_or_create_community
from shequn.community.models import AuditLog, Community, Membership
from shequn.events import Actor, JoinHow, MemberJoined
from shequn.playbook.elimination_sweep import SweepReport, sweep
from shequn.playbook.engine import Engine
from shequn.playbook.models import EliminationNotice
from tests.connectors.synapse import Synapse

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from tests.connectors.matrix_kit import (  # noqa: E402
    add_group,
    client,
    connector,
    direct_notices,
    make_room,
    ok,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def _joined_long_ago(community: Community, room: str, user_id: str) -> None:
    now = timezone.now()
    member = Actor(id=user_id, name="quiet")
    join = MemberJoined(
        platform="matrix", group=room, event_id="$joined-long-ago", at=now - timedelta(days=100),
        actor=member, member=member, how=JoinHow.LINK,
    )  # fmt: skip
    ingest([join], community)


def test_the_sweep_removes_a_silent_member_after_notice_and_grace(
    synapse: Synapse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin, bot, operator, quiet = (synapse.register(n) for n in ("admin", "bot", "op", "quiet"))
    community = get_or_create_community("矩阵社群")
    policy = {"elimination": {"enabled": True, "grace_days": 2}}

    async def scenario() -> tuple[SweepReport, SweepReport, SweepReport, str, list[str]]:
        m, q, o = client(synapse, admin), client(synapse, quiet), client(synapse, operator)
        room = await make_room(m, bot)
        await ok(q.join(room))
        group = await add_group(community, room, policy)
        await sync_to_async(_joined_long_ago)(community, room, quiet.user_id)
        conn = connector(synapse, bot, room, monkeypatch, state_dir=tmp_path,
                         operator=operator.user_id)  # fmt: skip
        await conn.connect()  # the bot joins the room
        engine = Engine(community, [conn])
        now = timezone.now()
        noticed = await sweep(group.pk, engine, now)
        waiting = await sweep(group.pk, engine, now + timedelta(days=1))
        removed = await sweep(group.pk, engine, now + timedelta(days=2, minutes=1))
        member = await m.room_get_state_event(room, "m.room.member", quiet.user_id)
        told = await direct_notices(q, bot)
        for c in (m, q, o):
            await c.close()
        await conn.aclose()
        await sync_to_async(connections.close_all)()
        return noticed, waiting, removed, str(member.content.get("membership")), told

    noticed, waiting, removed, membership, told = asyncio.run(scenario())
    assert noticed.noticed == [quiet.user_id]
    assert waiting.removed == [] and waiting.noticed == []
    assert removed.removed == [quiet.user_id]
    assert membership == "leave"  # kicked on the server
    rows = [
        (r.action, r.outcome) for r in AuditLog.objects.filter(community=community).order_by("pk")
    ]
    assert rows == [("Warn", "performed"), ("Remove", "performed")]
    notice = EliminationNotice.objects.get()
    assert (notice.state, notice.delivered) == ("removed", True)
    stay = Membership.objects.get(account__external_id=quiet.user_id)
    assert stay.left_how == "eliminated"
    assert any("未发言" in text for text in told), told  # the notice, read by the member
    kick: Any = AuditLog.objects.get(action="Remove")
    assert "动态淘汰" in kick.reason and kick.details["action"]["how"] == "eliminated"
