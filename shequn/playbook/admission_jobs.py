"""An operator's decision on an admission request, carried out by the engine.

The console (``shequn.web.admission``) decides in the store at once
(``community.admission_actions.decide_admission``, audited under the operator); what
must happen on the platform (tell the member, remove a rejected one politely)
becomes an ``admission`` job, which the engine of ``shequn run`` carries out
through ``Engine.carry_out``: audited like any rule's action, refused actions
turned into notices for the operators, a dry-run group only recording them.
The web process itself holds no connector, hence the job.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from shequn.community.admission_actions import decide_admission
from shequn.community.models import AdmissionRequest, Group, Membership
from shequn.events import Action, Actor, Remove, Send, Warn
from shequn.playbook import actions
from shequn.playbook.admission import Admission, AdmissionConfig
from shequn.playbook.admission_texts import render
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, job_group, register
from shequn.playbook.models import Job
from shequn.playbook.rules import configure

KIND = "admission"


def group_config(group: Group) -> AdmissionConfig:
    """The group's admission settings (defaults where unset)."""
    config = configure(Admission, group.settings or {}).config
    assert isinstance(config, AdmissionConfig)
    return config


def decide(request: AdmissionRequest, approve: bool, reason: str, user: User) -> str:
    """Approve or reject ``request`` for ``user``; the member is told (and a rejected one
    removed) through an ``admission`` job. The status the request is left in."""
    by = f"operator:{user.get_username()}"
    group, account = request.group, request.account
    config = group_config(group)
    with transaction.atomic():
        inside = Membership.objects.filter(group=group, account=account, left_how="").exists()
        status = decide_admission(request, approve, reason, user=user, by=by)
        member = Actor(id=account.external_id, name=account.display_name)
        name = account.display_name or account.external_id
        key = "approved" if approve else "rejected"
        text = render(config.text(key), name=name, group=group.name, reason=reason or "—")
        if config.ask_in == "group" and inside:  # said in the group, naming the member
            planned: list[dict[str, Any]] = [{"kind": "Send", "text": f"@{name} {text}"}]
        else:
            planned = [{"kind": "Warn", "text": text}]
        if not approve and inside:
            planned.append({"kind": "Remove"})
        payload = {"member": {"id": member.id, "name": member.name}, "rule": by,
                   "reason": f"{key} by {by}: {reason}".strip(), "actions": planned,
                   "dry_run": config.dry_run}  # fmt: skip
        actions.enqueue(KIND, timezone.now(), payload, group=group)
    return status


def planned_actions(job: Job, group: Group) -> list[Action]:
    """The job's actions, rebuilt from its payload; JobError names a bad one."""
    payload = job.payload
    member = payload.get("member") or {}
    if not isinstance(member, dict) or not member.get("id"):
        raise JobError(f"job #{job.pk}: admission without a member")
    who = Actor(id=str(member["id"]), name=str(member.get("name") or ""))
    platform, where = group.platform, group.external_id
    rule, reason = str(payload.get("rule") or KIND), str(payload.get("reason") or "")
    built: list[Action] = []
    for item in payload.get("actions") or []:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "Warn":
            text = str(item.get("text") or "")
            built.append(
                Warn(
                    platform=platform, group=where, rule=rule, reason=reason, member=who, text=text
                )
            )
        elif kind == "Send":
            text = str(item.get("text") or "")
            built.append(Send(platform=platform, group=where, rule=rule, reason=reason, text=text))
        elif kind == "Remove":
            built.append(
                Remove(platform=platform, group=where, rule=rule, reason=reason, member=who)
            )
        else:
            raise JobError(f"job #{job.pk}: unknown admission action {kind!r}")
    return built


@register(KIND)
async def carry_out_decision(job: Job, engine_for: EngineFor) -> None:
    """Tell the member (and remove a rejected one) through the engine, in order."""
    group = await sync_to_async(job_group)(job)
    engine = engine_for(group.community)
    dry_run = bool(job.payload.get("dry_run"))
    for action in await sync_to_async(planned_actions)(job, group):
        item = Planned(rule=action.rule, action=action, dry_run=dry_run, event_id=f"job:{job.pk}")
        await engine.carry_out(group, item)
