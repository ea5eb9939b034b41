"""Reading a member import (.xlsx or .csv) and planning its changes; nothing is written here.

The first row names the columns (as the export writes them, in any order and
case). Each row finds its member by ``number`` or by ``platform`` + ``account``
(the platform's id); when both are given they must name the same member.
Importable columns: tier, tags, city, industry, intro, needs, offers, notes; a
column present sets that field for every row (an empty cell empties it), a column
absent leaves it alone. ``name`` and ``groups`` (the export's read-only columns)
are ignored; any other column refuses the whole file. Cells the export protected
from spreadsheet formulas (a leading apostrophe) are read back without it.

The plan lists per row what changes from what to what, the tags new to the
community, and every bad row with its spreadsheet row number and the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from shequn.community.models import Account, Community, Person, Tier
from shequn.spreadsheet import FORMULA_START
from shequn.web.edit import MAX_TAGS, MAX_TEXT, TAG_LENGTH, split_tags

MAX_ROWS = 5000
KEYS = ("number", "platform", "account")
TEXT_FIELDS = {"city": 64, "industry": 64, "intro": MAX_TEXT, "needs": MAX_TEXT}
TEXT_FIELDS |= {"offers": MAX_TEXT, "notes": MAX_TEXT}
FIELDS = ("tier", "tags", *TEXT_FIELDS)
IGNORED = ("name", "groups")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass
class RowChange:
    """One member's changes: field → (old, new), and the tag lists when they change."""

    row: int
    person: Person
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    tags: tuple[list[str], list[str]] | None = None
    new_tags: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    changes: list[RowChange]
    errors: list[RowError]
    unchanged: int
    columns: list[str]

    def new_tags(self) -> list[str]:
        return sorted({t for change in self.changes for t in change.new_tags})


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, an export's apostrophe removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        return text[1:]
    return text


def read_table(name: str, data: bytes) -> list[list[str]]:
    """The file's rows as text cells (header first), at most ``MAX_ROWS`` data rows."""
    lower = name.lower()
    rows: Iterator[Sequence[Any]]
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif lower.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileError(_("Upload an .xlsx or .csv file."))
    table = []
    for row in rows:
        table.append([_text(v) for v in row])
        if len(table) > MAX_ROWS + 1:
            raise ImportFileError(_("At most %(n)d rows per import.") % {"n": MAX_ROWS})
    if not table or not any(table[0]):
        raise ImportFileError(_("The file is empty: its first row must name the columns."))
    return table


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise ImportFileError(_("This is not a readable .xlsx file.")) from error
    yield from book.worksheets[0].iter_rows(values_only=True)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        message = _("The CSV file is malformed: %(error)s") % {"error": error}
        raise ImportFileError(message) from error


def _header(cells: list[str]) -> list[str]:
    columns = [c.strip().lower() for c in cells]
    while columns and not columns[-1]:
        columns.pop()
    known = (*KEYS, *FIELDS, *IGNORED)
    for i, column in enumerate(columns):
        if column not in known:
            raise ImportFileError(
                _('Unknown column "%(column)s" (column %(n)d); expected some of: %(known)s.')
                % {"column": cells[i], "n": i + 1, "known": ", ".join(known)}
            )
        if columns.index(column) != i:
            raise ImportFileError(_('Column "%(column)s" appears twice.') % {"column": column})
    if "number" not in columns and not {"platform", "account"} <= set(columns):
        raise ImportFileError(_('A "number" column, or "platform" and "account", is required.'))
    return columns


def tier_names() -> dict[str, str]:
    """Every spelling of a tier a file may use: its code and its label in each language."""
    names = {value: value for value in Tier.values}
    for language in ("zh-hans", "en"):
        with override(language):
            names |= {str(label).lower(): value for value, label in Tier.choices}
    return names


class Planner:
    """Plans one file against one community's archive as it is now."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.tiers = tier_names()
        self.existing_tags = set(community.tags.values_list("name", flat=True))
        self.seen: dict[int, int] = {}  # person id → row
        persons = Person.objects.filter(community=community).prefetch_related("tags")
        self.by_number = {p.number: p for p in persons}
        self.by_id = {p.pk: p for p in self.by_number.values()}
        accounts = Account.objects.filter(community=community).values_list(
            "platform", "external_id", "person_id"
        )
        self.accounts = {(platform, ext): pid for platform, ext, pid in accounts}

    def plan(self, table: list[list[str]]) -> ImportPlan:
        columns = _header(table[0])
        plan = ImportPlan([], [], 0, columns)
        for number, cells in enumerate(table[1:], start=2):
            values = dict(zip(columns, [*cells, *[""] * len(columns)], strict=False))
            if not any(values.get(c) for c in columns):
                continue
            try:
                change = self._row(number, values)
            except ValueError as error:
                plan.errors.append(RowError(number, str(error)))
                continue
            if change.fields or change.tags:
                plan.changes.append(change)
            else:
                plan.unchanged += 1
        return plan

    def _row(self, row: int, values: dict[str, str]) -> RowChange:
        person = self._person(values)
        if person.pk in self.seen:
            raise ValueError(
                _("member #%(number)d is also in row %(row)d")
                % {"number": person.number, "row": self.seen[person.pk]}
            )
        self.seen[person.pk] = row
        change = RowChange(row, person)
        for name, value in values.items():
            if name in TEXT_FIELDS or name == "tier":
                new = self._field(name, value)
                old = getattr(person, name)
                if new != old:
                    change.fields[name] = (old, new)
        if "tags" in values:
            self._tags(change, values["tags"])
        return change

    def _person(self, values: dict[str, str]) -> Person:
        number = values.get("number", "").lstrip("#")
        platform, account = values.get("platform", ""), values.get("account", "")
        by_number = by_account = None
        if number:
            if not number.isdigit():
                raise ValueError(_('"number" must be a member number, not "%(v)s"') % {"v": number})
            by_number = self.by_number.get(int(number))
            if by_number is None:
                raise ValueError(_("no member #%(number)s in this community") % {"number": number})
        if platform or account:
            if not (platform and account):
                raise ValueError(_('"platform" and "account" go together'))
            person_id = self.accounts.get((platform, account))
            if person_id is None:
                raise ValueError(
                    _("no account %(account)s on %(platform)s in this community")
                    % {"account": account, "platform": platform}
                )
            by_account = self.by_id[person_id]
        if by_number and by_account and by_number.pk != by_account.pk:
            raise ValueError(_("the number and the account name different members"))
        person = by_number or by_account
        if person is None:
            raise ValueError(_('neither "number" nor "platform" and "account" given'))
        return person

    def _field(self, name: str, value: str) -> str:
        if name == "tier":
            tier = self.tiers.get(value.lower()) if value else ""
            if tier is None:
                raise ValueError(
                    _('unknown tier "%(value)s"; expected one of: %(tiers)s')
                    % {"value": value, "tiers": ", ".join(sorted(self.tiers))}
                )
            return tier
        limit = TEXT_FIELDS[name]
        if len(value) > limit:
            raise ValueError(
                _('"%(field)s" has %(n)d characters; at most %(limit)d')
                % {"field": name, "n": len(value), "limit": limit}
            )
        return value

    def _tags(self, change: RowChange, value: str) -> None:
        tags = split_tags(value)
        if len(tags) > MAX_TAGS:
            raise ValueError(_("at most %(n)d tags") % {"n": MAX_TAGS})
        for tag in tags:
            if len(tag) > TAG_LENGTH:
                raise ValueError(
                    _('tag "%(tag)s" is longer than %(n)d characters')
                    % {"tag": tag[:20], "n": TAG_LENGTH}
                )
        old = sorted(t.name for t in change.person.tags.all())
        if set(tags) != set(old):
            change.tags = (old, tags)
            change.new_tags = [t for t in tags if t not in self.existing_tags]


def plan_import(community: Community, name: str, data: bytes) -> ImportPlan:
    """Read the file and plan its changes against the archive as it is now."""
    return Planner(community).plan(read_table(name, data))


__all__ = ["ImportFileError", "ImportPlan", "RowChange", "RowError", "plan_import"]
