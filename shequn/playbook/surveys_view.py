"""What a rule may know of a member's open survey (``GroupState.open_survey``): plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Question:
    """One survey question: ``kind`` choice, scale (1–5) or text.

    ``field``: the archive field a text answer fills when it is empty (needs, offers).
    """

    kind: str
    text: str
    choices: tuple[str, ...] = ()
    field: str = ""

    def to_json(self) -> dict[str, Any]:
        """As stored in ``Survey.questions``."""
        return {"kind": self.kind, "text": self.text, "choices": list(self.choices),
                "field": self.field}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        """A question stored by ``to_json``."""
        return cls(
            kind=str(data.get("kind", "text")),
            text=str(data.get("text", "")),
            choices=tuple(str(c) for c in data.get("choices") or ()),
            field=str(data.get("field") or ""),
        )


@dataclass(frozen=True)
class SurveyView:
    """A member's open survey response: its id, title, questions, answers given, how sent."""

    response: int
    title: str
    questions: tuple[Question, ...]
    answered: int
    via: str  # "direct" or "group"
