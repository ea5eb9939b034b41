"""The reward rule form of the console (a rule's every field; groups of its community only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy

from shequn.community.models import Community, Group
from shequn.community.reward_actions import RULE_FIELDS
from shequn.community.reward_models import RewardRule

BOTH = gettext_lazy("A leaderboard needs both a group and a time (HH:MM).")


class RewardRuleForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    """Validates a rule's fields; the view saves them through ``reward_actions.save_rule``."""

    class Meta:
        model = RewardRule
        fields = RULE_FIELDS
        labels = {"active": gettext_lazy("Active")}  # "active" alone reads as a group's status

    def __init__(self, community: Community, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("notify_group", "leaderboard_group"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Group.objects.filter(community=community).order_by("name")

    @classmethod
    def of(cls, rule: RewardRule) -> RewardRuleForm:
        """The form filled in with ``rule``'s values."""
        return cls(rule.community, initial=model_to_dict(rule, fields=RULE_FIELDS))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("leaderboard_group")) != bool(data.get("leaderboard_at")):
            raise forms.ValidationError(BOTH, code="leaderboard")
        return data
