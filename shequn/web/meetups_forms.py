"""The meetup forms of the console: a new meetup, a sign-up made by an operator.

The start is typed in the community's time zone (the view validates the form
inside ``timezone.override``), so it is stored as the UTC instant it names.
``meetups_actions`` checks everything again (the one place that writes); its
errors land on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequn.community.models import Account, Group


class MeetupForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"), min_value=1, max_value=10000, initial=20
    )
    remind_hours = forms.CharField(
        label=gettext_lazy("Reminders, hours before (comma-separated)"),
        required=False,
        initial="24, 2",
    )

    def clean_remind_hours(self) -> list[int]:
        raw = self.cleaned_data.get("remind_hours") or ""
        parts = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                _("Expected whole numbers of hours separated by commas, e.g. 24, 2")
            ) from None


class SignupForm(forms.Form):
    """Sign up a member of the group, or a guest by name."""

    member = forms.ChoiceField(label=gettext_lazy("Member"), required=False)
    name = forms.CharField(label=gettext_lazy("Or a guest's name"), max_length=100, required=False)

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = (
            Account.objects.filter(
                memberships__group=group, memberships__left_at__isnull=True, is_bot=False
            )
            .select_related("person")
            .distinct()
            .order_by("display_name", "pk")
        )
        self.accounts = {str(a.pk): a for a in accounts}
        choices = [(k, a.display_name or a.person.display_name or a.external_id)
                   for k, a in self.accounts.items()]  # fmt: skip
        member = self.fields["member"]
        assert isinstance(member, forms.ChoiceField)
        member.choices = [("", "—"), *choices]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("member") and not (cleaned.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a member or type a guest's name."))
        return cleaned

    def account(self) -> Account | None:
        return self.accounts.get(self.cleaned_data.get("member") or "")
