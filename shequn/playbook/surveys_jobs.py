"""The survey job kinds: send a survey to chosen members, and the daily newcomer survey.

``survey_send`` (payload ``survey`` and ``accounts``, ids) asks each member the
survey's first question by direct message (a ``Warn``, which every platform that
can reach a member alone performs). Where the platform cannot, and the survey
allows it, the question is asked in the group naming the member; otherwise the
``Warn`` goes to the engine anyway, which tells the operators that it could not
be done. Everything goes through ``Engine.carry_out``, so it is audited.

``survey_newcomers`` runs daily at ``NEWCOMER_HOUR`` in the community's zone: it
sends the group's newcomer survey to members who joined 7 days ago (up to
``CATCH_UP`` days more, in case the engine was away), each once, then plans the
next day. ``start_newcomers`` plans the first run (console).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.utils import timezone

from shequn.community.models import Account, Group, Membership
from shequn.events import Action, Actor, Send, Warn
from shequn.playbook import surveys_actions as act
from shequn.playbook.actions import enqueue
from shequn.playbook.daily import next_daily
from shequn.playbook.engine import Engine, Planned
from shequn.playbook.jobs import EngineFor, JobError, job_group, register
from shequn.playbook.models import Job, Survey, SurveyResponse
from shequn.playbook.rules import configure
from shequn.playbook.surveys import SurveyAnswers, SurveyAnswersConfig, prompt

RULE = SurveyAnswers.name
SEND, NEWCOMERS = act.SEND, "survey_newcomers"
NEWCOMER_DAYS, CATCH_UP, NEWCOMER_HOUR = 7, 6, time(10, 0)


def _opening(survey: Survey, via: str) -> str:
    """The first message: the title, how to answer, the first question."""
    config = configure(SurveyAnswers, survey.group.settings or {}).config
    assert isinstance(config, SurveyAnswersConfig)
    if via == "direct" and config.bare_direct:
        how = "请直接回复，每条消息回答一题。"
    else:
        how = f"请以「{config.prefix}」开头逐条回复，例如「{config.prefix} 4」。"
    questions = act.questions_of(survey)
    return f"【{survey.title}】{how}\n{prompt(questions[0], 0, len(questions))}"


async def deliver(engine: Engine, survey: Survey, response: SurveyResponse, job_id: int) -> str:
    """Ask ``response``'s member the first question; how it reached them ("" when it did not)."""
    group, account = survey.group, response.account
    member = Actor(id=account.external_id, name=account.display_name)
    base = {"platform": group.platform, "group": group.external_id, "rule": RULE}
    direct = Warn(**base, reason=f"survey {survey.title}", member=member,
                  text=_opening(survey, "direct"))  # fmt: skip
    connector = engine.connectors.get(group.platform)
    action: Action = direct
    via = "direct"
    if survey.group_fallback and connector is not None and not connector.can(direct):
        name = account.display_name or account.external_id
        text = f"@{name} " + _opening(survey, "group")
        action, via = Send(**base, reason=f"survey {survey.title} in the group", text=text), "group"
    planned = Planned(rule=RULE, action=action, dry_run=False, event_id=f"job:{job_id}")
    done = action in await engine.carry_out(group, planned)
    via = via if done else ""
    await sync_to_async(act.set_delivered)(response, via, by=RULE)
    return via


def _open_all(survey_id: int, account_ids: list[int]) -> tuple[Survey, list[SurveyResponse]]:
    """The survey and a new response per member not asked before (sync, DB)."""
    survey = Survey.objects.select_related("group__community").filter(pk=survey_id).first()
    if survey is None:
        raise JobError(f"no survey #{survey_id}")
    accounts = Account.objects.select_related("person").filter(
        pk__in=account_ids, community_id=survey.group.community_id, is_bot=False
    )
    now = timezone.now()
    opened = [act.open_response(survey, account, now) for account in accounts.order_by("pk")]
    return survey, [r for r in opened if r is not None]


async def send(engine: Engine, survey_id: int, account_ids: list[int], job_id: int) -> int:
    """Send the survey to the accounts not asked yet; how many it reached."""
    survey, responses = await sync_to_async(_open_all)(survey_id, account_ids)
    reached = 0
    for response in responses:
        reached += bool(await deliver(engine, survey, response, job_id))
    return reached


@register(SEND)
async def send_job(job: Job, engine_for: EngineFor) -> None:
    """Send ``payload["survey"]`` to ``payload["accounts"]``."""
    try:
        survey_id = int(job.payload["survey"])
        account_ids = [int(a) for a in job.payload.get("accounts") or []]
    except (KeyError, TypeError, ValueError):
        raise JobError(f"job #{job.pk}: payload needs survey and accounts (ids)") from None
    group = await sync_to_async(job_group)(job)
    await send(engine_for(group.community), survey_id, account_ids, job.pk)


# --- newcomers ------------------------------------------------------------------------


def newcomers(group: Group, now: datetime) -> QuerySet[Membership]:
    """Open stays of people who joined ``NEWCOMER_DAYS`` (to + ``CATCH_UP``) local days ago."""
    zone = ZoneInfo(group.community.time_zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=NEWCOMER_DAYS + CATCH_UP)
    last = today - timedelta(days=NEWCOMER_DAYS)
    since = datetime.combine(first, time(0), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return Membership.objects.filter(
        group=group, left_at__isnull=True, joined_at__gte=since, joined_at__lt=until,
        account__is_bot=False,
    )  # fmt: skip


def next_run(group: Group, now: datetime) -> datetime:
    """The next ``NEWCOMER_HOUR`` in the community's zone after ``now``."""
    return next_daily(now, NEWCOMER_HOUR, ZoneInfo(group.community.time_zone))


def start_newcomers(group: Group, now: datetime) -> Job:
    """The pending newcomer job of ``group`` (planned if missing); the survey is made too."""
    act.newcomer_survey(group, user=None, by=RULE)
    pending = Job.objects.filter(kind=NEWCOMERS, group=group, state=Job.State.PENDING).first()
    return pending or enqueue(NEWCOMERS, next_run(group, now), {}, group=group)


def _newcomer_plan(job: Job) -> tuple[Group, int, list[int]]:
    """The group, its newcomer survey and whom to ask; the next run is planned first."""
    group = job_group(job)
    now = max(job.due_at, timezone.now())
    start_newcomers(group, now)  # a retried run finds tomorrow's job already planned
    survey = act.newcomer_survey(group, user=None, by=RULE)
    asked = SurveyResponse.objects.filter(survey=survey).values_list("account_id", flat=True)
    ids = newcomers(group, now).exclude(account_id__in=asked)
    return group, survey.pk, sorted(set(ids.values_list("account_id", flat=True)))


@register(NEWCOMERS)
async def newcomers_job(job: Job, engine_for: EngineFor) -> None:
    """Send the newcomer survey to the group's members of 7 days, then plan tomorrow's run."""
    group, survey_id, account_ids = await sync_to_async(_newcomer_plan)(job)
    if account_ids:
        await send(engine_for(group.community), survey_id, account_ids, job.pk)
