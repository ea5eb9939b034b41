"""The "presence" job kind: post an operator's invitation to a silent member in the group.

The web process has no connector, so the group page's "send" button enqueues
this job (``shequn.web.presence``) and the engine's scheduler posts the text.
It goes through ``Engine.carry_out`` so the post is audited (rule ``presence``)
like any rule's action, and a platform that cannot post leaves a notice.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async

from shequn.community.models import Group
from shequn.events import Send
from shequn.playbook.engine import Planned
from shequn.playbook.jobs import EngineFor, JobError, register
from shequn.playbook.models import Job

KIND = "presence"
RULE = "presence"


def _group(job: Job) -> Group:
    if job.group_id is None:
        raise JobError(f"job #{job.pk} names no group")
    group = Group.objects.select_related("community").filter(pk=job.group_id).first()
    if group is None:
        raise JobError(f"job #{job.pk}: its group is gone")
    return group


@register(KIND)
async def send_invitation(job: Job, engine_for: EngineFor) -> None:
    """Post ``payload["text"]`` in the job's group; JobError when it was not performed.

    Not retried when the engine could not post: the engine has already audited
    the failure and told the operators, and an invitation sent late is stale.
    """
    text = str(job.payload.get("text") or "")
    if not text:
        raise JobError(f"job #{job.pk}: presence without text")
    group = await sync_to_async(_group)(job)
    why = f"invitation to silent member #{job.payload.get('person')}"
    action = Send(platform=group.platform, group=group.external_id, reason=why, text=text)
    planned = Planned(rule=RULE, action=action, dry_run=False, event_id=f"job:{job.pk}")
    if action not in await engine_for(group.community).carry_out(group, planned):
        raise JobError(f"job #{job.pk}: the invitation was not posted")
