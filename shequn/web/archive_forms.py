"""Forms of the profile page's sections: recording a tie and writing a note or interview.

Each form is bound to the profile's person, so that "another member" is looked
up by member number in the same community only, and a date is read in the
community's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequn.community.actions import DERIVED_DIMENSIONS
from shequn.community.models import LinkDimension, Person, RecordKind

MAX_NOTE = 1000
MAX_TEXT = 5000
RECORDABLE = [(v, label) for v, label in LinkDimension.choices if v not in DERIVED_DIMENSIONS]


def other_member(person: Person, number: int) -> Person:
    """The member numbered ``number`` in the person's community, other than the person."""
    other = Person.objects.filter(community_id=person.community_id, number=number).first()
    if other is None:
        raise forms.ValidationError(
            _("No member #%(number)d in this community."),
            code="unknown",
            params={"number": number},
        )
    if other.pk == person.pk:
        raise forms.ValidationError(_("Choose another member."), code="self")
    return other


class TieForm(forms.Form):
    """A tie to another member of the same community, on one dimension, with a note."""

    other = forms.IntegerField(label=_("Member number"), min_value=1, max_value=2**31 - 1)
    dimension = forms.ChoiceField(label=_("Dimension"), choices=RECORDABLE)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_other(self) -> Person:
        return other_member(self.person, self.cleaned_data["other"])


class RecordForm(forms.Form):
    """A dated note or interview about the person."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        self.zone = ZoneInfo(person.community.time_zone)
        kwargs.setdefault("initial", {"kind": RecordKind.NOTE, "on": self.today()})
        super().__init__(*args, **kwargs)

    def today(self) -> date:
        return timezone.now().astimezone(self.zone).date()

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if not text:
            raise forms.ValidationError(_("Write something."), code="empty")
        return text

    def moment(self) -> datetime:
        """When it happened: now for today, else the start of that day in the community."""
        day: date = self.cleaned_data["on"]
        if day == self.today():
            return timezone.now()
        return datetime.combine(day, time.min, tzinfo=self.zone)
