"""How a rule's generated form is drawn: each field's label, widget, value, choices and errors.

``rules_fields`` decides the widget from the field's type and reads the form
back; this module describes the fields for the templates (``_rule_field.html``),
labels translated through gettext.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import annotated_types as at
from django.utils.translation import gettext
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from shequn.web.rules_fields import Errors, FormData, Shape, items_of, shape_of, text_of, unwrap


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class FormField:
    """One field as the template draws it."""

    key: str
    kind: str
    label: str
    help: str = ""
    value: str = ""
    checked: bool = False
    options: list[Option] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    children: list[FormField] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return "rule-" + self.key.replace(".", "-")


def label_of(name: str, info: FieldInfo) -> str:
    """A field's label: its title, else its name in words, translated."""
    return gettext(info.title or name.replace("_", " ").capitalize())


def choice_label(value: Any) -> str:
    """A choice's label: its text translated (short codes such as "kol" in capitals)."""
    text = text_of(value).replace("_", " ")
    return gettext(text.upper() if len(text) <= 3 else text)


def form_fields(
    model: type[BaseModel], data: FormData, errors: Errors, prefix: str = ""
) -> list[FormField]:
    """The fields of ``model`` showing ``data``, each with its errors."""
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        key, shape = prefix + name, shape_of(info)
        item = FormField(
            key=key,
            kind=shape.kind,
            label=label_of(name, info),
            help=gettext(info.description) if info.description else "",
            errors=errors.get(key, []),
            attrs=_attrs(shape, info),
        )
        if shape.kind == "fieldset" and shape.model is not None:
            item.children = form_fields(shape.model, data, errors, key + ".")
        else:
            _show(item, shape, data)
        out.append(item)
    return out


def _show(item: FormField, shape: Shape, data: FormData) -> None:
    """Put the submitted (or stored) value of ``item`` into it, as its widget shows it."""
    values = list(data.get(item.key, []))
    if shape.kind == "checkbox":
        item.checked = item.key in data
    elif shape.kind == "checkboxes" and not _as_set(values, shape.choices):
        # An order or a repetition checkboxes cannot show (a ladder such as
        # warn, warn, remove) is kept by showing the list one per line.
        item.kind, item.value = "lines", "\n".join(items_of(values))
        names = ", ".join(text_of(c) for c in shape.choices)
        hint = gettext("One per line, from: %(choices)s.") % {"choices": names}
        item.help = f"{item.help} {hint}".strip()
    elif shape.kind in ("checkboxes", "select"):
        chosen = set(items_of(values))
        item.options = [
            Option(text_of(c), choice_label(c), text_of(c) in chosen) for c in shape.choices
        ]
        if shape.kind == "select" and shape.optional:
            item.options.insert(0, Option("", "—", not chosen - {""}))
    else:
        item.value = values[-1] if values else ""


def error_summary(fields: list[FormField]) -> list[tuple[str, str, str]]:
    """(label, html id, error) of every field error, nested fields included, in form order."""
    out: list[tuple[str, str, str]] = []
    for item in fields:
        out += [(item.label, item.html_id, error) for error in item.errors]
        out += error_summary(item.children)
    return out


def _as_set(values: Sequence[str], choices: tuple[Any, ...]) -> bool:
    """Whether checkboxes show ``values`` as they are: known choices, in order, once each."""
    items = items_of(values)
    return items == [text_of(c) for c in choices if text_of(c) in items]


def _attrs(shape: Shape, info: FieldInfo) -> dict[str, str]:
    """HTML constraints mirroring the model's (the server checks them again anyway)."""
    if shape.kind != "number":
        limits = [m.max_length for m in info.metadata if isinstance(m, at.MaxLen)]
        return {"maxlength": str(limits[0])} if limits and shape.kind == "text" else {}
    tp, _ = unwrap(info.annotation)
    whole = tp is int
    attrs = {"step": "1" if whole else "any"}
    for m in info.metadata:
        if isinstance(m, at.Ge):
            attrs["min"] = text_of(m.ge)
        elif isinstance(m, at.Gt) and whole and isinstance(m.gt, int):
            attrs["min"] = str(m.gt + 1)
        elif isinstance(m, at.Le):
            attrs["max"] = text_of(m.le)
        elif isinstance(m, at.Lt) and whole and isinstance(m.lt, int):
            attrs["max"] = str(m.lt - 1)
    return attrs
