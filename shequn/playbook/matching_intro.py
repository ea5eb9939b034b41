"""Introductions (引荐): one click in the console, a direct message to both, a tie when it works.

``matching_intro`` delivers an introduction: each of the two members gets the
template filled in for them, by direct message (a ``Warn``, which every platform
that can reach a member alone performs). It goes through ``Engine.carry_out``, so
it is audited, and where the platform cannot message members directly the
engine tells the operators the words instead (they pass them on by hand, then
mark the acceptance in the console).

``matching_talk`` looks daily, for ``WATCH_DAYS``, whether the two talked in any
group of the community since (each replied to or mentioned the other): then the
tie is recorded, with source ``matching``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.utils import timezone

from shequn.chat.models import Message
from shequn.community.models import Account, Group, Person
from shequn.events import Actor, Warn
from shequn.playbook import matching_actions as act
from shequn.playbook.actions import enqueue
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.matching_models import Introduction
from shequn.playbook.models import Job

TALK_JOB = "matching_talk"
WATCH_DAYS = 14
PLACEHOLDERS = ("name", "other", "need", "reason", "group")
DEFAULT_TEMPLATE = (
    "{name} 你好！我是「{group}」的助理。想给你引荐一位群友：{other}。"
    "相关需求：{need}；推荐理由：{reason}。"
    "如果愿意认识，直接在群里 @ 对方打个招呼吧～"
)
Status = Introduction.Status


def check_template(text: str) -> str:
    """``text`` when it uses only the known fields; ValueError naming the problem."""
    try:
        text.format(**dict.fromkeys(PLACEHOLDERS, ""))
    except (KeyError, IndexError, ValueError) as exc:
        fields = " ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValueError(f"text: only the fields {fields} may be used ({exc})") from None
    return text


def fill(intro: Introduction, to: Person, other: Person) -> str:
    """The template filled for ``to``, introducing ``other``."""
    return intro.text.format(
        name=to.display_name, other=other.display_name, need=intro.need or "—",
        reason=intro.reason or "—", group=intro.group.name,
    )  # fmt: skip


def account_in(group: Group, person: Person) -> Account | None:
    """The person's account on the group's platform, one with a stay in the group first."""
    accounts = Account.objects.filter(person=person, platform=group.platform, is_bot=False)
    here = accounts.filter(memberships__group=group).order_by("pk").first()
    return here or accounts.order_by("pk").first()


def _load(job: Job) -> tuple[Introduction, list[tuple[Account | None, Person, Person]]]:
    intro = (
        Introduction.objects.select_related("group__community", "person_a", "person_b")
        .filter(pk=job.payload.get("introduction"))
        .first()
    )
    if intro is None:
        raise JobError(f"job #{job.pk}: no introduction {job.payload.get('introduction')!r}")
    a, b = intro.person_a, intro.person_b
    return intro, [(account_in(intro.group, a), a, b), (account_in(intro.group, b), b, a)]


@register(act.INTRO_JOB)
async def deliver(job: Job, engine_for: EngineFor) -> None:
    """Send the introduction to both members; it counts as sent when both got it."""
    intro, sides = await sync_to_async(_load)(job)
    if intro.status != Status.PENDING:
        return  # a retried job: delivered (or given up) already
    group = intro.group
    engine = engine_for(group.community)
    delivered = True
    for account, to, other in sides:
        if account is None:
            delivered = False  # no account on this platform: the operators see it failed
            continue
        text = await sync_to_async(fill)(intro, to, other)
        member = Actor(id=account.external_id, name=account.display_name or to.display_name)
        action = Warn(platform=group.platform, group=group.external_id, rule=act.RULE,
                      reason=f"introduction #{intro.pk}", member=member, text=text)  # fmt: skip
        planned = Planned(rule=act.RULE, action=action, dry_run=False, event_id=f"job:{job.pk}")
        delivered = action in await engine.carry_out(group, planned) and delivered
    await sync_to_async(_delivered)(intro, delivered)


def _delivered(intro: Introduction, delivered: bool) -> None:
    now = timezone.now()
    act.mark_delivered(intro, delivered, now)
    if delivered:
        enqueue(TALK_JOB, now + timedelta(days=1), {"introduction": intro.pk}, group=intro.group)


def talked(intro: Introduction, since: datetime, until: datetime) -> bool:
    """Whether each of the two replied to or mentioned the other in the community since."""
    a = list(Account.objects.filter(person=intro.person_a).values_list("pk", flat=True))
    b = list(Account.objects.filter(person=intro.person_b).values_list("pk", flat=True))
    return _spoke_to(intro, a, b, since, until) and _spoke_to(intro, b, a, since, until)


def _spoke_to(
    intro: Introduction, senders: list[int], to: list[int], since: datetime, until: datetime
) -> bool:
    if not senders or not to:
        return False
    said = Message.objects.filter(
        group__community_id=intro.community_id, at__gt=since, at__lte=until, sender_id__in=senders
    )
    theirs = (
        Message.objects.filter(
            group__community_id=intro.community_id, at__gt=since, sender_id__in=to
        )
        .order_by("at")
        .values_list("external_id", flat=True)
    )
    if said.filter(reply_to__in=list(theirs[:5000])).exists():
        return True
    return any(
        isinstance(m, list) and set(m) & set(to)
        for m in said.exclude(mentions__isnull=True).values_list("mentions", flat=True)[:5000]
    )


def talk_check(job: Job) -> None:
    """Record the tie when the two talked; else look again tomorrow, for WATCH_DAYS (sync, DB)."""
    intro, _ = _load(job)
    if intro.tie_id is not None or intro.sent_at is None:
        return
    now = timezone.now()
    if talked(intro, intro.sent_at, now):
        act.tie(intro, Status.TALKED, now, user=None)
    elif now - intro.sent_at < timedelta(days=WATCH_DAYS):
        enqueue(TALK_JOB, now + timedelta(days=1), {"introduction": intro.pk}, group=intro.group)


@register(TALK_JOB)
async def watch(job: Job, engine_for: EngineFor) -> None:
    """Did the two introduced members talk in a group since? Then they are tied."""
    await sync_to_async(talk_check)(job)
