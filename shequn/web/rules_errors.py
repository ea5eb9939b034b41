"""Pydantic's validation errors in the operator's language, placed on the form field they concern.

Each pydantic error type has a translated message saying what was expected
(with its bounds, choices or reason filled in); a type without one falls back
to a generic "not accepted" with pydantic's own words, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _noop

REQUIRED = _noop("A value is required.")
BAD_PAIR = _noop("Line %(line)d: expected a name and a value, as name = value.")
BAD_JSON = _noop("Expected valid JSON (%(error)s).")
FALLBACK = _noop("Not accepted: %(reason)s")

_WHOLE = _noop("Expected a whole number.")
_NUMBER = _noop("Expected a number.")
_CHOICE = _noop("Expected one of: %(expected)s.")
_OBJECT = _noop("Expected a set of names and values.")
_TIME = _noop("Expected a time such as 19:30.")
_DATE = _noop("Expected a date such as 2026-01-31.")
_DATETIME = _noop("Expected a date and time such as 2026-01-31 19:30.")
_DURATION = _noop("Expected a duration such as 01:30:00, or a number of seconds.")

#: pydantic error type → message; ``%(name)s`` fields come from the error's context.
MESSAGES: dict[str, str] = {
    "missing": REQUIRED,
    "bool_parsing": _noop("Expected yes or no."),
    "bool_type": _noop("Expected yes or no."),
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": _WHOLE,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": _NUMBER,
    "greater_than": _noop("Expected a number greater than %(gt)s."),
    "greater_than_equal": _noop("Expected a number of at least %(ge)s."),
    "less_than": _noop("Expected a number less than %(lt)s."),
    "less_than_equal": _noop("Expected a number of at most %(le)s."),
    "multiple_of": _noop("Expected a multiple of %(multiple_of)s."),
    "string_too_short": _noop("Expected at least %(min_length)s character(s)."),
    "string_too_long": _noop("Expected at most %(max_length)s characters."),
    "string_pattern_mismatch": _noop("Expected text of the form %(pattern)s."),
    "string_type": _noop("Expected text."),
    "too_short": _noop("Expected at least %(min_length)s item(s)."),
    "too_long": _noop("Expected at most %(max_length)s items."),
    "literal_error": _CHOICE,
    "enum": _CHOICE,
    "list_type": _noop("Expected a list."),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "time_parsing": _TIME,
    "time_type": _TIME,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_type": _DATE,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "time_delta_parsing": _DURATION,
    "time_delta_type": _DURATION,
    "json_invalid": BAD_JSON,
    "extra_forbidden": _noop("Unknown setting."),
    "value_error": FALLBACK,
    "assertion_error": FALLBACK,
}


class _Context(dict[str, str]):
    """Format values for a message; a field the error did not provide reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def message_for(error: Mapping[str, Any]) -> str:
    """A pydantic error (one of ``ValidationError.errors()``) in the current language."""
    ctx = error.get("ctx") or {}
    values = _Context({k: _plain(v) for k, v in ctx.items()})
    reason = ctx.get("error") or ctx.get("reason") or error.get("msg", "")
    values["reason"] = str(reason)
    values.setdefault("error", str(error.get("msg", "")))
    if "expected" in values:  # "'warn', 'mute' or 'remove'": the "or" is English
        values["expected"] = values["expected"].replace(" or ", ", ")
    template = MESSAGES.get(str(error.get("type", "")), FALLBACK)
    return gettext(template) % values


def _plain(value: Any) -> str:
    """A bound as people write it: 0 rather than 0.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def located(where: str, message: str) -> str:
    """A message with where in the field it applies ("item 2: …"), punctuated per language."""
    if not where:
        return message
    return gettext("%(where)s: %(message)s") % {"where": where, "message": message}


def item_prefix(rest: tuple[Any, ...]) -> str:
    """Where inside a field an error is: "item 2" of a list, "weights → link" of a mapping."""
    parts = [
        gettext("item %(number)d") % {"number": part + 1} if isinstance(part, int) else str(part)
        for part in rest
    ]
    return " → ".join(parts)
