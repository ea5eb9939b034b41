"""Welcome (迎新): greet each newcomer by name with the group's intro template.

Configured in ``Group.settings["welcome"]``. A member is greeted once per group,
however many join events arrive for them (a repeated event, a rejoin); bots
are never greeted.
"""

from __future__ import annotations

from typing import ClassVar

from shequn.events import Action, Event, MemberJoined, Send
from shequn.playbook.rules import GroupState, RuleConfig, exempt

DEFAULT_TEMPLATE = "欢迎 {name}！请按格式自我介绍：\n自我介绍：\n需要资源：\n拥有资源："


class WelcomeConfig(RuleConfig):
    """``template`` may use ``{name}`` (the newcomer), ``{group}`` (the group's name) and
    ``{number}`` (the newcomer's member number in the archive, 编号)."""

    template: str = DEFAULT_TEMPLATE


class Welcome:
    """On MemberJoined: a Send greeting the member, unless a bot, exempt or already greeted."""

    name: ClassVar[str] = "welcome"
    Config: ClassVar[type[RuleConfig]] = WelcomeConfig
    greets: ClassVar[bool] = True

    def __init__(self, config: WelcomeConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        if not isinstance(event, MemberJoined) or event.member.is_bot:
            return []
        if exempt(self.config, event, state):
            return []
        member = event.member
        if state.greeted(member.id):
            return []
        name = member.name or state.display_name(member.id) or member.id
        values = {"name": name, "group": state.name}
        if "{number}" in self.config.template:  # asked only when announced: one query live
            number = state.member_number(member.id)
            values["number"] = str(number) if number is not None else "?"
        text = render(self.config.template, **values)
        reason = f"{name} joined"
        return [
            Send(
                platform=event.platform, group=event.group, rule=self.name, reason=reason, text=text
            )
        ]


def render(template: str, **values: str) -> str:
    """Fill ``{name}``-style fields; a template with a broken field is used as written."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return template
