"""Actions the store carries out itself, with no platform involved.

Some decisions of a rule are archive edits (set a member's tier, tag them, fill
their introduction): every platform "can" do them, because shequn does them in
its own store. The engine asks here before it asks a connector, so such actions
are audited like any other and a replay (which stores nothing) only records them.

An explicit registry, as for connectors: the action's class name → the dotted
path of a sync handler ``(group, action) -> None``, imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from shequn.community.models import Group
from shequn.connectors.base import action_name
from shequn.events import Action

StoreHandler = Callable[[Group, Action], None]

HANDLERS: dict[str, str] = {
    "SetTier": "shequn.playbook.archive_actions.set_tier",
    "AddTag": "shequn.playbook.archive_actions.add_tag",
    "FillArchive": "shequn.playbook.archive_actions.fill_archive",
    "Schedule": "shequn.playbook.ritual_jobs.schedule",
    "MarkEssence": "shequn.playbook.essence_actions.mark",
    "QueueAdmission": "shequn.playbook.admission_store.queue_admission",
    "RecordAnswer": "shequn.playbook.admission_store.record_answer",
    "Admit": "shequn.playbook.admission_store.admit",
    "Appeal": "shequn.playbook.elimination_actions.appeal",
    "Award": "shequn.playbook.points.award",
    "SurveyAnswer": "shequn.playbook.surveys_actions.record_answer",
    "MeetupSignup": "shequn.playbook.meetups_actions.signup_action",
    "StartJielong": "shequn.playbook.jielong_actions.start_from_command",
}

_loaded: dict[str, StoreHandler] = {}


def handler_for(action: Action) -> StoreHandler | None:
    """The store's handler of ``action``, or None when a platform must perform it."""
    name = action_name(action)
    path = HANDLERS.get(name)
    if path is None:
        return None
    if name not in _loaded:
        module, _, attr = path.rpartition(".")
        _loaded[name] = getattr(import_module(module), attr)
    return _loaded[name]
