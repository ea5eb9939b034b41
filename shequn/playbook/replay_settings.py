"""The rule settings a replay runs with: a file of them, or the group's own, checked first.

A settings file has the shape of ``Group.settings``: one section per rule, named
after it, e.g. (TOML)::

    [welcome]
    enabled = true
    template = "欢迎 {name}！"

or the same as JSON. Each section is validated by its rule's pydantic config
before anything runs, so a mistake is reported once, naming the rule and the
field, instead of failing the rule on every event.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from shequn.playbook.rules import RuleType


class SettingsError(ValueError):
    """Rule settings that cannot be used as given; the message says where and why."""


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """A JSON or TOML file of rule settings (by suffix; otherwise whichever parses)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    suffix = path.suffix.lower()
    parsers = {".json": [_json], ".toml": [_toml]}.get(suffix, [_json, _toml])
    problems: list[str] = []
    for parse in parsers:
        try:
            data = parse(raw)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: expected an object of rule sections, got {_kind(data)}")
        return data
    raise SettingsError(f"{path}: not valid JSON or TOML ({'; '.join(problems)})")


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"JSON: {exc}") from None


def _toml(raw: bytes) -> Any:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"TOML: {exc}") from None


def check_settings(
    settings: Mapping[str, Any], rules: Sequence[RuleType], strict: bool = False
) -> None:
    """Raise SettingsError naming the rule and field of the first problem found.

    ``strict`` (a settings file): an unknown section or field is an error too,
    since it is most likely a typo; a group's stored settings also hold other
    sections (its connector), which are left alone.
    """
    known = {rule.name: rule for rule in rules}
    if strict:
        unknown = sorted(set(settings) - set(known))
        if unknown:
            names = ", ".join(sorted(known))
            raise SettingsError(f"unknown rule {unknown[0]!r} (known rules: {names})")
    for name, rule in known.items():
        section = settings.get(name)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            raise SettingsError(f"{name}: expected a section of settings, got {_kind(section)}")
        if strict:
            extra = sorted(set(section) - set(rule.Config.model_fields))
            if extra:
                fields = ", ".join(rule.Config.model_fields)
                raise SettingsError(f"{name}.{extra[0]}: unknown setting (known: {fields})")
        try:
            rule.Config.model_validate(section)
        except ValidationError as exc:
            raise SettingsError(_first_error(name, exc)) from None


def _first_error(rule: str, exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in (rule, *error["loc"]))
    return f"{where}: {error['msg']} (got {error.get('input')!r})"


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
