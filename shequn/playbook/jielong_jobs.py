"""The "jielong_open" job kind: post the opening of a 接龙 started from the console.

The web process has no connector, so the console's start (``jielong_actions.
start_from_console``) enqueues this job and the engine's scheduler posts the text.
It goes through ``Engine.carry_out`` so the post is audited (rule ``jielong``)
like a rule's action, and a platform that cannot post leaves a notice.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async

from shequn.events import Send
from shequn.playbook.engine import Planned
from shequn.playbook.jielong_actions import KIND
from shequn.playbook.jielong_rule import NAME
from shequn.playbook.jobs import EngineFor, JobError, job_group, register
from shequn.playbook.models import Job


@register(KIND)
async def post_opening(job: Job, engine_for: EngineFor) -> None:
    """Post ``payload["text"]`` in the job's group; JobError when it was not performed.

    Not retried when the engine could not post: the engine has already audited the
    failure and told the operators, who may start the chain again.
    """
    text = str(job.payload.get("text") or "")
    if not text:
        raise JobError(f"job #{job.pk}: jielong_open without text")
    group = await sync_to_async(job_group)(job)
    why = f"opening of the 接龙 #{job.payload.get('chain')} started from the console"
    action = Send(platform=group.platform, group=group.external_id, reason=why, text=text)
    planned = Planned(rule=NAME, action=action, dry_run=False, event_id=f"job:{job.pk}")
    if action not in await engine_for(group.community).carry_out(group, planned):
        raise JobError(f"job #{job.pk}: the opening was not posted")
