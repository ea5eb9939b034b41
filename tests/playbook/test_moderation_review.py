"""The review queue: each moderation step with its cause, undone in one click, once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from shequn.community.actions import grant_staff
from shequn.community.models import AuditLog, Community, Group
from shequn.playbook.models import Job
from shequn.playbook.moderation.review import ReviewError, review_queue, undo_step
from shequn.playbook.state import StoreState
from tests.playbook.conftest import MakeEngine
from tests.playbook.moderation_kit import AD, moderation, run, said

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


@pytest.fixture
def laddered(make_engine: MakeEngine, community: Community) -> Group:
    """An advertiser warned, muted and removed in g1 (three ads)."""
    engine, _memory = make_engine(moderation())
    run(engine, said(1, "u1", AD), said(2, "u1", AD + "!"), said(3, "u1", AD + "?"))
    return Group.objects.get(external_id="g1")


def staff(community: Community, name: str, role: str) -> User:
    user = User.objects.create_user(name, password="pw-" + name)
    grant_staff(user, community, role, by="test")
    return user


def test_the_queue_lists_each_step_with_the_message_behind_it(laddered: Group) -> None:
    items = review_queue(laddered)
    steps = [item.entry.action for item in items]
    assert steps.count("Delete") == 3 and steps[:1] == ["Remove"]  # newest first
    assert {i.entry.action for i in items if i.undoable} == {"Warn", "Mute", "Remove"}
    removal = next(i for i in items if i.entry.action == "Remove")
    assert removal.message == AD + "?"


def test_undoing_a_removal_lifts_the_blacklist_and_asks_for_an_invite_once(
    laddered: Group, community: Community
) -> None:
    owner = staff(community, "alice", "owner")
    removal = next(i.entry for i in review_queue(laddered) if i.entry.action == "Remove")
    state = StoreState(laddered)
    assert state.blacklisted("moderation", "u1")
    row = undo_step(removal, owner)
    assert (row.action, row.user, row.details["undoes"]) == ("Undo", owner, removal.pk)
    assert not state.blacklisted("moderation", "u1")
    notice = Job.objects.get(kind="notify")
    assert "u1" in notice.payload["text"] or "邀请" in notice.payload["text"]
    with pytest.raises(ReviewError, match="already undone"):
        undo_step(removal, owner)
    assert next(i for i in review_queue(laddered) if i.entry.pk == removal.pk).undone


def test_undoing_a_mute_queues_the_unmute_and_withdraws_the_strike(
    laddered: Group, community: Community
) -> None:
    owner = staff(community, "alice", "owner")
    mute = next(i.entry for i in review_queue(laddered) if i.entry.action == "Mute")
    before = StoreState(laddered).strikes("moderation", "u1")
    undo_step(mute, owner)
    # The engine queued the mute's own end when it muted; the undo queues one now.
    job = Job.objects.get(kind="unmute", payload__rule="operator:alice")
    assert job.payload["member"] == "u1" and job.group == laddered
    assert StoreState(laddered).strikes("moderation", "u1") == before - 1


def test_a_deletion_cannot_be_undone(laddered: Group, community: Community) -> None:
    owner = staff(community, "alice", "owner")
    delete = next(i.entry for i in review_queue(laddered) if i.entry.action == "Delete")
    with pytest.raises(ReviewError, match="cannot be undone"):
        undo_step(delete, owner)


def test_the_page_shows_the_queue_and_only_operators_undo(
    laddered: Group, community: Community
) -> None:
    staff(community, "bob", "operator")
    staff(community, "dan", "viewer")
    page, undo = (
        reverse(name, args=[laddered.pk]) for name in ("group_moderation", "group_moderation_undo")
    )
    removal = next(i.entry for i in review_queue(laddered) if i.entry.action == "Remove")
    viewer, operator = Client(), Client()
    viewer.login(username="dan", password="pw-dan")
    operator.login(username="bob", password="pw-bob")
    html = viewer.get(page).content.decode()
    assert "<form" not in html.split('id="review"')[1] and "Remove" in html
    assert viewer.post(undo, {"entry": removal.pk}).status_code == 403
    assert "<button" in operator.get(page).content.decode()
    assert operator.post(undo, {"entry": removal.pk}).status_code == 302
    assert operator.post(undo, {"entry": removal.pk}).status_code == 409
    assert AuditLog.objects.filter(action="Undo", user__username="bob").count() == 1
