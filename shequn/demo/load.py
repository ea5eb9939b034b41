"""Write the demo into the store through ingest and the community actions.

Every write is idempotent, so loading twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction

from shequn.chat.ingest import ingest
from shequn.community import actions
from shequn.community.models import Account, Community, Group
from shequn.demo.generator import Demo, build
from shequn.demo.world import PLATFORM, ZONE, Persona, shown

COMMUNITY = "星河创业者社群"
RULE = "demo"


def load_demo() -> str:
    """Load the demo community; returns a one-line summary."""
    demo = build()
    with transaction.atomic():
        community = actions.get_or_create_community(
            COMMUNITY, "早期创业者的互助社群：交流群、粉丝群、训练营与付费私董会"
        )
        stats = ingest(demo.events, community)
        profiles(demo, community)
        archive(demo, community)
        ties(demo, community)
    return (
        f"{COMMUNITY}: {stats.events} events, {stats.messages} new messages, "
        f"{stats.accounts_created} new members, {stats.duplicates} already stored"
    )


def profiles(demo: Demo, community: Community) -> None:
    for plan in demo.plans:
        group = Group.objects.get(platform=PLATFORM, external_id=plan.key)
        actions.set_group_profile(
            group,
            RULE,
            kind=plan.kind,
            positioning=plan.positioning,
            value_statement=plan.value_statement,
        )
    for key, person, role in demo.roles:
        group = Group.objects.get(platform=PLATFORM, external_id=key)
        account = Account.objects.get(
            community=community, platform=PLATFORM, external_id=person.key
        )
        actions.set_member_role(group, account, role, RULE)


def _account(community: Community, p: Persona) -> Account | None:
    return (
        Account.objects.select_related("person")
        .filter(community=community, platform=PLATFORM, external_id=p.key)
        .first()
    )


def archive(demo: Demo, community: Community) -> None:
    for p in demo.people:
        account = _account(community, p)
        if account is None:
            continue  # drawn but never in a group
        actions.update_person(
            account.person,
            RULE,
            tags=list(p.tags),
            city=p.city,
            industry=p.industry,
            tier=p.tier,
            needs=p.need,
            offers=p.offer,
        )


def ties(demo: Demo, community: Community) -> None:
    persons = {
        a.external_id: a.person
        for a in Account.objects.filter(community=community).select_related("person")
    }
    for tie in demo.ties:
        at = datetime.combine(shown(tie.on), time(20), ZONE)
        actions.add_link(persons[tie.a.key], persons[tie.b.key], tie.dimension, RULE, at)
