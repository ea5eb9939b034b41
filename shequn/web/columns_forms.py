"""The column form of the console: what an operator types, checked field by field.

Hosts are typed one per line (a platform id or a display name), in rotation
order, and resolved against the group's current members here, so an unknown
name is reported on its line. The schedule, the zone and the rest are checked
again by ``columns_actions`` (the one place that writes), whose errors land on
the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequn.community.models import Account, Group
from shequn.playbook.columns import ScheduleError, check_schedule
from shequn.playbook.models import Column


class ColumnForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Column name"), max_length=100)
    schedule = forms.CharField(
        label=gettext_lazy("Schedule (cron, local time)"),
        max_length=100,
        help_text=gettext_lazy(
            "minute hour day month weekday, e.g. 0 19 * * 3 (Wednesdays 19:00), "
            "0 8 * * * (daily 08:00)"
        ),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)
    hosts = forms.CharField(
        label=gettext_lazy("Host rotation (one member per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remind_minutes = forms.IntegerField(
        label=gettext_lazy("Reminder, minutes before (0: none)"),
        min_value=0,
        max_value=7 * 24 * 60,
        initial=30,
    )
    summary = forms.BooleanField(label=gettext_lazy("Post a summary"), required=False, initial=True)
    window_hours = forms.IntegerField(
        label=gettext_lazy("Summary and engagement window, hours"),
        min_value=1,
        max_value=72,
        initial=3,
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_schedule(self) -> str:
        try:
            return check_schedule(self.cleaned_data["schedule"])
        except ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_hosts(self) -> list[int]:
        """Account ids in the order typed; an error names each line that is no current member."""
        found: list[int] = []
        bad: list[str] = []
        lines = [line.strip() for line in self.cleaned_data["hosts"].splitlines()]
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            match = (
                Account.objects.filter(
                    memberships__group=self.group, memberships__left_at__isnull=True
                )
                .filter(Q(external_id=line) | Q(display_name=line) | Q(person__display_name=line))
                .values_list("pk", flat=True)
                .first()
            )
            if match is None:
                bad.append(_("line %(n)s: %(who)s is not a member of this group") % {
                    "n": number, "who": line,
                })  # fmt: skip
            else:
                found.append(match)
        if bad:
            raise forms.ValidationError(bad)
        return found

    def values(self) -> dict[str, Any]:
        """The cleaned data as ``columns_actions`` takes it."""
        data = dict(self.cleaned_data)
        data["host_ids"] = data.pop("hosts")
        return data


def initial_for(column: Column) -> dict[str, Any]:
    """The form's initial values for an existing column (hosts by their platform ids)."""
    ids = list(column.host_ids)
    accounts = dict(Account.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    return {
        "name": column.name,
        "schedule": column.schedule,
        "enabled": column.enabled,
        "hosts": "\n".join(accounts.get(i, "") for i in ids),
        "remind_minutes": column.remind_minutes,
        "summary": column.summary,
        "window_hours": column.window_hours,
    }


class ItemForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 4}))
