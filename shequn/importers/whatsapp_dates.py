"""How one WhatsApp export writes its header dates and times, decided per file.

A header line is ``<date>, <time> - `` (Android) or ``[<date>, <time>] `` (iOS),
written in the phone's locale: ``31/12/19``, ``12/31/2019``, ``2019/12/31``,
``31.12.19``, ``13. 6. 2018.``, ``03-06-2018``; ``23:59``, ``23.59.10``,
``11:59 PM``, ``11:59 p. m.``, ``13.6.2018 klo 21.25.15``; with U+200E before the
line and U+00A0/U+202F before AM/PM. Every line of one export uses the same form,
so the importer recognises the form once from the first header line
(:func:`detect_form`) and then matches each line with one regular expression made
for that form (:meth:`HeaderForm.pattern`).

Which of the two non-year numbers is the day cannot be told from one line. It is
decided for the whole file by :func:`decide_day_first` from all its dates: a
number above 12 can only be a day (majority of such votes, so a corrupted line
does not decide alone); without any, the number that decreases within a year or
changes more often is the day (as in whatsapp-chat-parser); failing all,
day-first, except year-first dates which default to ISO ``yyyy/mm/dd``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

# The general shape, used on the first lines only, to learn the file's form.
GENERAL = re.compile(
    r"[\u200e\u200f]*(?P<br>\[)?"
    r"(?P<d1>\d{1,4})(?P<ds>[-/.]) ?(?P<d2>\d{1,4})(?P=ds) ?(?P<d3>\d{1,4})(?P<dot>\.?)"
    r",?[ \u00a0](?P<klo>klo[ \u00a0])?"
    r"(?P<H>\d{1,2})(?P<ts>[.:])(?P<M>\d{2})(?:(?P=ts)(?P<S>\d{2}))?"
    r"(?:[ \u00a0\u202f]?(?P<ampm>[aApP]\.?[ \u00a0\u202f]?[mM]\.?))?"
    r"(?(br)(?P<sep_ios>\] )|(?P<sep>(?: - |: | )))"
)

VOTES_ENOUGH = 20
_FIRST_YEAR, _LAST_YEAR = 1970, 2999  # a header outside these is text, not a date
_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class HeaderForm:
    """The header form of one file: brackets, separators, clock, year position."""

    bracket: bool
    date_sep: str
    date_dot: bool
    time_sep: str
    seconds: bool
    twelve_hour: bool
    separator: str
    year_index: int

    def pattern(self, capture: bool = True) -> re.Pattern[str]:
        """One expression for this file; groups: d1 d2 d3 hour minute second ampm
        (the same expression without any group when ``capture`` is false)."""
        ds, ts = re.escape(self.date_sep), re.escape(self.time_sep)
        g = "(" if capture else "(?:"
        empty = "()" if capture else ""
        date = rf"{g}\d{{1,4}}){ds} ?{g}\d{{1,4}}){ds} ?{g}\d{{1,4}})"
        time = rf"{g}\d{{1,2}}){ts}{g}\d{{2}})" + (rf"{ts}{g}\d{{2}})" if self.seconds else empty)
        ampm = (
            rf"[ \u00a0\u202f]?{g}[aApP])\.?[ \u00a0\u202f]?[mM]\.?" if self.twelve_hour else empty
        )
        return re.compile(
            r"[\u200e\u200f]*"
            + (r"\[" if self.bracket else "")
            + date
            + (r"\." if self.date_dot else "")
            + r",?[ \u00a0](?:klo[ \u00a0])?"
            + time
            + ampm
            + re.escape(self.separator)
        )

    def other_indices(self) -> tuple[int, int]:
        """Positions (0-2) of the two non-year date numbers, in written order."""
        a, b = (i for i in range(3) if i != self.year_index)
        return a, b


def form_of(match: re.Match[str]) -> HeaderForm | None:
    """The form a GENERAL match shows, or None for shapes we do not accept."""
    separator = match["sep_ios"] or match["sep"] or ""
    if separator == " " and not match["dot"]:
        # A bare space after the time only follows dates like "13. 6. 2018."; anything
        # else ("2023-01-01 12:00:00 name") is another tool's format.
        return None
    fields = (match["d1"], match["d2"], match["d3"])
    long_fields = [i for i, f in enumerate(fields) if len(f) > 2]
    if len(long_fields) > 1 or any(len(f) == 3 for f in fields):
        return None
    return HeaderForm(
        bracket=bool(match["br"]),
        date_sep=match["ds"],
        date_dot=bool(match["dot"]),
        time_sep=match["ts"],
        seconds=match["S"] is not None,
        twelve_hour=match["ampm"] is not None,
        separator=separator,
        year_index=long_fields[0] if long_fields else 2,
    )


def detect_form(lines: Iterable[str]) -> HeaderForm | None:
    """The form of the first line that looks like a WhatsApp header, if any."""
    for line in lines:
        match = GENERAL.match(line)
        if match is not None:
            form = form_of(match)
            if form is not None:
                return form
    return None


class _OrderEvidence:
    """Counts what a file's dates say about day/month order."""

    def __init__(self) -> None:
        self.day_first = 0
        self.month_first = 0
        self.decrease_a = 0
        self.decrease_b = 0
        self.change_a = 0
        self.change_b = 0
        self.previous: tuple[int, int, int] | None = None

    def add(self, year: int, a: int, b: int) -> None:
        if a > 12 >= b:
            self.day_first += 1
        elif b > 12 >= a:
            self.month_first += 1
        prev = self.previous
        if prev is not None and prev != (year, a, b):
            self.change_a += abs(a - prev[1])
            self.change_b += abs(b - prev[2])
            if prev[0] == year:
                self.decrease_a += a < prev[1]
                self.decrease_b += b < prev[2]
        self.previous = (year, a, b)

    def enough(self) -> bool:
        return max(self.day_first, self.month_first) >= VOTES_ENOUGH

    def verdict(self, year_first: bool) -> bool:
        for first, second in (
            (self.day_first, self.month_first),
            (self.decrease_a, self.decrease_b),
            (self.change_a, self.change_b),
        ):
            if first != second:
                return first > second
        return not year_first


def decide_day_first(form: HeaderForm, headers: Iterable[Sequence[str]]) -> bool:
    """True when the first written non-year number is the day, from the file's dates.

    ``headers`` gives the groups of each header match, lazily: reading stops as
    soon as enough unambiguous dates agree, else runs to the end. Only date
    prefixes are looked at, so this first pass is cheap.
    """
    yi = form.year_index
    ai, bi = form.other_indices()
    evidence = _OrderEvidence()
    for fields in headers:
        evidence.add(int(fields[yi]), int(fields[ai]), int(fields[bi]))
        if evidence.enough():
            break
    return evidence.verdict(year_first=yi == 0)


_DELTAS = {
    f"{m:02d}{s:02d}" if with_seconds else f"{m:02d}": timedelta(minutes=m, seconds=s)
    for with_seconds in (False, True)
    for m in range(60)
    for s in range(60 if with_seconds else 1)
}


class Clock:
    """Turns a header (the text a header line starts with, separator included) into
    (aware UTC time, local ISO time), with caches.

    Zone offsets change on the hour (almost everywhere), so the UTC time of each
    local hour is computed once and minutes are added to it; an hour whose offset
    changes inside it is computed minute by minute. The local time, not the UTC
    one, goes into event ids, so that importing again with another ``tz`` still
    finds the same messages.
    """

    def __init__(self, form: HeaderForm, day_first: bool, tz: tzinfo) -> None:
        a, b = form.other_indices()
        self.year_index = form.year_index
        self.day_index, self.month_index = (a, b) if day_first else (b, a)
        self.tz = tz
        self.rx = form.pattern()
        self.stamps: dict[str, tuple[datetime, str] | None] = {}
        self.hours: dict[tuple[str, ...], tuple[datetime, str, bool] | None] = {}

    def read(self, stamp: str) -> tuple[datetime, str] | None:
        """For a whole header line prefix; None when its numbers make no valid date
        or time (the line is then text)."""
        found = self.stamps.get(stamp)
        if found is None and stamp not in self.stamps:
            if len(self.stamps) >= _CACHE_LIMIT:
                self.stamps.clear()
            match = self.rx.match(stamp)
            if match is not None:
                found = self._convert(*match.groups())
            self.stamps[stamp] = found
        return found

    def _convert(
        self, d1: str, d2: str, d3: str, hh: str, mm: str, ss: str, ap: str
    ) -> tuple[datetime, str] | None:
        key = (d1, d2, d3, hh, ap)
        base = self.hours.get(key)
        if base is None and key not in self.hours:
            if len(self.hours) >= _CACHE_LIMIT:
                self.hours.clear()
            base = self.hours[key] = self._hour(key)
        delta = _DELTAS.get(mm + ss)
        if base is None or delta is None:
            return None
        utc, prefix, exact = base
        local = f"{prefix}{mm}:{ss or '00'}"
        if exact:
            return utc + delta, local
        return datetime.fromisoformat(local).replace(tzinfo=self.tz).astimezone(UTC), local

    def _hour(self, fields: tuple[str, str, str, str, str]) -> tuple[datetime, str, bool] | None:
        """UTC of the local hour's start, its ISO prefix, and whether minutes can be added."""
        year = int(fields[self.year_index])
        if year < 100:
            year += 2000
        hour, ampm = int(fields[3]), fields[4]
        if ampm:
            if hour > 12:
                return None
            hour = hour % 12 + (12 if ampm in "pP" else 0)
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            return None  # also keeps every zone conversion inside datetime's range
        try:
            local = datetime(year, int(fields[self.month_index]), int(fields[self.day_index]), hour)
        except ValueError:
            return None
        start = local.replace(tzinfo=self.tz)
        end = (local + timedelta(minutes=59, seconds=59)).replace(tzinfo=self.tz)
        exact = start.utcoffset() == end.utcoffset()
        return start.astimezone(UTC), local.isoformat()[:14], exact
