"""A form for any rule, generated from its pydantic Config; pydantic does the validating.

Each field's type picks its widget: bool → checkbox; int/float → number (with
the model's bounds); str → text, or textarea for long text; Literal/Enum →
select; a list of choices → checkboxes; a list of words or numbers → one per
line; a mapping of names to numbers or words → "name = value" per line; a
nested model → a fieldset; anything else → JSON. A field's
``json_schema_extra={"widget": …}`` overrides the choice.

Form data is what a QueryDict holds: HTML name → list of strings (a nested
field's name is dotted, ``parent.child``). ``initial_data`` turns a config into
such data and ``validate`` turns submitted data back into a config, or into
errors keyed by HTML name; ``rules_widgets`` describes the fields for the
template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from inspect import isclass
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from django.utils.translation import gettext
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from shequn.web.rules_errors import (
    BAD_JSON,
    BAD_PAIR,
    REQUIRED,
    item_prefix,
    located,
    message_for,
)

FormData = Mapping[str, Sequence[str]]
Errors = dict[str, list[str]]
WIDGETS = frozenset({"checkbox", "number", "text", "textarea", "select", "lines"})
WIDGETS |= {"checkboxes", "pairs", "json", "fieldset", "time", "date"}
_SCALARS = (str, int, float, Decimal, date, time)
_LONG_TEXT = 40  # characters of a default beyond which a text field gets a textarea


@dataclass(frozen=True)
class Shape:
    """How a field is shown and read back: its widget, choices, nested model."""

    kind: str
    optional: bool = False
    choices: tuple[Any, ...] = ()
    model: type[BaseModel] | None = None


def unwrap(tp: Any) -> tuple[Any, bool]:
    """The type inside Annotated and Optional, and whether None is allowed."""
    optional = False
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, UnionType):
            args = [a for a in get_args(tp) if a is not NoneType]
            optional = optional or len(args) < len(get_args(tp))
            if len(args) != 1:
                return tp, optional
            tp = args[0]
        else:
            return tp, optional


def _choices(tp: Any) -> tuple[Any, ...]:
    if get_origin(tp) is Literal:
        return get_args(tp)
    if isclass(tp) and issubclass(tp, Enum):
        return tuple(member.value for member in tp)
    return ()


def shape_of(info: FieldInfo) -> Shape:
    """The widget a pydantic field gets (see the module docstring)."""
    tp, optional = unwrap(info.annotation)
    shape = _shape(tp, info)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    widget = extra.get("widget")
    if isinstance(widget, str) and widget in WIDGETS and widget != shape.kind:
        shape = Shape(widget, choices=shape.choices, model=shape.model)
    if optional and shape.kind == "fieldset":
        return Shape("json", optional)  # a fieldset cannot say "none"; JSON can (null)
    return Shape(shape.kind, optional, shape.choices, shape.model)


def _shape(tp: Any, info: FieldInfo) -> Shape:
    choices = _choices(tp)
    if choices:
        return Shape("select", choices=choices)
    if tp is bool:
        return Shape("checkbox")
    if tp in (int, float, Decimal):
        return Shape("number")
    if tp is str:
        return Shape("textarea" if _long(info) else "text")
    if tp is time:
        return Shape("time")
    if tp in (datetime, timedelta):
        return Shape("text")
    if tp is date:
        return Shape("date")
    if isclass(tp) and issubclass(tp, BaseModel):
        return Shape("fieldset", model=tp)
    origin, args = get_origin(tp), get_args(tp)
    if origin in (list, tuple, set, frozenset) and args and args[-1] is not Ellipsis:
        item, _ = unwrap(args[0])
        if _choices(item):
            return Shape("checkboxes", choices=_choices(item))
        if item in _SCALARS:
            return Shape("lines")
    if origin is dict and len(args) == 2 and args[0] is str:
        value, _ = unwrap(args[1])
        if value in _SCALARS or _choices(value):
            return Shape("pairs")
    return Shape("json")


def _long(info: FieldInfo) -> bool:
    """Text worth a textarea: a multi-line or long default, or room for long text."""
    default = info.default if isinstance(info.default, str) else ""
    limit = max((m.max_length for m in info.metadata if isinstance(m, at.MaxLen)), default=0)
    return "\n" in default or len(default) > _LONG_TEXT or limit >= 200


# --- config → form data ------------------------------------------------------------


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and len(value) == 8 and value.endswith(":00") and value[2] == ":":
        return value[:5]  # a time at a whole minute, as a time input shows it
    return str(value)


def initial_data(config: BaseModel) -> dict[str, list[str]]:
    """The form data that shows ``config`` as it is."""
    return _data_of(type(config), config.model_dump(mode="json"), "")


def _data_of(
    model: type[BaseModel], values: Mapping[str, Any], prefix: str
) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        key, value, shape = prefix + name, values.get(name), shape_of(info)
        if shape.kind == "fieldset" and shape.model is not None and isinstance(value, Mapping):
            data.update(_data_of(shape.model, value, key + "."))
        elif shape.kind == "checkbox":
            if value:
                data[key] = ["on"]
        elif shape.kind == "checkboxes":
            data[key] = [text_of(v) for v in value or []]
        elif shape.kind == "lines":
            data[key] = ["\n".join(text_of(v) for v in value or [])]
        elif shape.kind == "pairs":
            data[key] = ["\n".join(f"{k} = {text_of(v)}" for k, v in (value or {}).items())]
        elif shape.kind in ("json", "fieldset"):
            data[key] = [json.dumps(value, ensure_ascii=False, indent=2)]
        else:
            data[key] = [text_of(value)]
    return data


# --- form data → config -------------------------------------------------------------


def validate(model: type[BaseModel], data: FormData) -> tuple[BaseModel | None, Errors, list[str]]:
    """The config the form data describes, or None with errors by HTML name and for the form."""
    raw, errors = _read(model, data, "")
    try:
        config = model.model_validate(raw)
    except ValidationError as exc:
        config = None
        general: list[str] = []
        for error in exc.errors():
            key, rest = place(model, error["loc"])
            where = item_prefix(rest)
            text = message_for(error)
            text = located(where, text)
            if key is None:
                general.append(text)
            else:
                errors.setdefault(key, []).append(text)
        return None, errors, general
    return (None, errors, []) if errors else (config, errors, [])


def _read(model: type[BaseModel], data: FormData, prefix: str) -> tuple[dict[str, Any], Errors]:
    raw: dict[str, Any] = {}
    errors: Errors = {}
    for name, info in model.model_fields.items():
        key, shape = prefix + name, shape_of(info)
        if shape.kind == "fieldset" and shape.model is not None:
            raw[name], inner = _read(shape.model, data, key + ".")
            errors.update(inner)
            continue
        if shape.kind == "checkbox":
            raw[name] = key in data
            continue
        if shape.kind == "checkboxes":
            raw[name] = [_choice(v, shape.choices) for v in items_of(data.get(key, []))]
            continue
        if key not in data or not data[key]:
            errors[key] = [gettext(REQUIRED)]
            continue
        text = data[key][-1].replace("\r\n", "\n").replace("\r", "\n")
        try:
            raw[name] = _value(shape, text)
        except ValueError as exc:
            errors[key] = [str(exc)]
    return raw, errors


def _value(shape: Shape, text: str) -> Any:
    """One submitted value as pydantic should see it; ValueError (translated) when unreadable."""
    if shape.optional and not text.strip() and shape.kind not in ("text", "textarea"):
        return None
    if shape.kind in ("number", "time", "date", "select") and not text.strip():
        raise ValueError(gettext(REQUIRED))
    if shape.kind == "select":
        return _choice(text, shape.choices)
    if shape.kind == "lines":
        return [line.strip() for line in text.split("\n") if line.strip()]
    if shape.kind == "pairs":
        return _pairs(text)
    if shape.kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(gettext(BAD_JSON) % {"error": exc}) from None
    if shape.kind in ("number", "time", "date"):
        return text.strip()
    return text


def items_of(values: Sequence[str]) -> list[str]:
    return [line.strip() for v in values for line in v.splitlines() if line.strip()]


def _choice(text: str, choices: tuple[Any, ...]) -> Any:
    """The choice whose text is ``text`` (a Literal of numbers comes back as a number)."""
    return next((c for c in choices if text_of(c) == text), text)


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        cut = min((i for i in map(line.find, "=:：") if i >= 0), default=-1)
        name, value = line[:cut], line[cut + 1 :]
        if cut < 0 or not name.strip():
            raise ValueError(gettext(BAD_PAIR) % {"line": number})
        pairs[name.strip()] = value.strip()
    return pairs


def place(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[str | None, tuple[Any, ...]]:
    """The HTML name of the field an error location points into, and the rest of the location."""
    keys: list[str] = []
    current: type[BaseModel] | None = model
    rest = tuple(loc)
    while rest and current is not None and isinstance(rest[0], str):
        info = current.model_fields.get(rest[0])
        if info is None:
            break
        keys.append(rest[0])
        shape = shape_of(info)
        current = shape.model if shape.kind == "fieldset" else None
        rest = rest[1:]
    return (".".join(keys) if keys else None), rest
