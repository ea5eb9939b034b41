"""Loading the demo writes the same store every time, and loading it twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shequn.chat.models import Message
from shequn.community.models import Account, AuditLog, Group, Link, Membership, Person
from shequn.demo.load import load_demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def snapshot() -> dict[str, object]:
    """The store's content by natural keys, so database ids don't matter."""
    ext = dict(Account.objects.values_list("pk", "external_id"))
    return {
        "groups": sorted(Group.objects.values_list("external_id", "name", "kind", "positioning")),
        "persons": sorted(
            Person.objects.values_list("number", "display_name", "city", "industry", "tier")
        ),
        "tags": sorted(Person.objects.values_list("number", "tags__name")),
        "accounts": sorted(Account.objects.values_list("external_id", "person__number")),
        "stays": sorted(
            (
                m.group.external_id,
                ext[m.account_id],
                str(m.joined_at),
                m.join_how,
                ext.get(m.inviter_id),
                m.left_how,
                m.role,
            )
            for m in Membership.objects.select_related("group")
        ),
        "messages": sorted(
            (
                m.group.external_id,
                m.external_id,
                ext.get(m.sender_id),
                m.at.isoformat(),
                m.kind,
                m.text,
                m.reply_to,
                [ext[i] for i in m.mentions or []],
            )
            for m in Message.objects.select_related("group")
        ),
        "links": sorted(
            Link.objects.values_list(
                "person_a__number", "person_b__number", "dimension", "first_seen"
            )
        ),
        "audit": AuditLog.objects.count(),
    }


def test_demo_twice_changes_nothing_and_a_fresh_store_gets_the_same() -> None:
    load_demo()
    first = snapshot()
    load_demo()
    assert snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    assert snapshot() == first
    assert len(first["groups"]) == 5 and len(first["messages"]) > 10_000  # type: ignore[arg-type]
