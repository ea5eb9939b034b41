"""Check-in (打卡/签到): recognising a check-in message, streaks, a leaderboard, points.

Pure: no Django, no clock. Times come in as aware datetimes (UTC in the store);
days are *community days*, the calendar day in the community's time zone, so
that 23:30 and 00:30 Beijing time are two check-ins even on one UTC day.

Recognition (``is_checkin``) asks whether a keyword is the *intent* of the
message, not merely present. After normalising (NFKC, so full-width ``／checkin``
and ``＃打卡`` count; ASCII case ignored; leading emoji, brackets and spaces
skipped), a message is a check-in when it has a keyword occurrence that is not
negated (right after 忘/没/不/漏/未/别/请, as in 忘了打卡 or 没有签到, or a few characters
after 记得/提醒/大家/怎么/如何)
and one of these holds:

A. it *starts* with the keyword as a word of its own: followed by the end, a
   space, punctuation, an emoji, a digit, a Latin letter (``打卡Day3``) or one of
   了/啦/咯/喽/成功/完成/第/今天/今日/一下 (``打卡这个功能`` does not start a check-in);
B. it *ends* with the keyword as a clause of its own (``读完一本书，打卡``), or it
   carries a day count: 第N天, Day N, 连续/坚持/累计 N 天;
C. it is short and the keyword closes it: at most ``short_length`` letters before
   the keyword and at most a particle (了/啦/成功/完成…) after it (``今日打卡✅``,
   ``已签到``, ``晨跑打卡``, ``我已经打卡了``; not ``打卡活动下周开始``);
D. a hashtag keyword (one starting with ``#``) appears anywhere.

A question (ending in ?/？/吗/么/呢, or asking 怎么/如何/为什么/在哪/能不能/是不是) is
never a check-in unless it carries a day count (``打卡第5天，有人一起吗？``).
Only text messages count, and photos whose caption passes the same test when
``photo_with_keyword`` is on.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from shequn.playbook.rules import RuleConfig

DEFAULT_KEYWORDS = ("签到", "打卡", "已打卡", "日签", "/checkin", "#打卡")

# A keyword right after 忘/没/未/漏/别/不/请 (with 了/过/记/得/有/再/要 between) is not
# done; nor one a few characters after words that remind or ask.
_NEGATORS = ("记得", "提醒", "大家", "怎么", "如何", "别忘", "不要", "不用")
_NEGATED = re.compile(
    r"(?:忘|没|未|漏|别|不|请)[了过记得有再要]{0,2}$|" + "|".join(map(re.escape, _NEGATORS))
)
_NEGATION_WINDOW = 4
_FOLLOWERS = ("了", "啦", "咯", "喽", "成功", "完成", "第", "今天", "今日", "一下")
_QUESTION_WORDS = re.compile("怎么|如何|为什么|为啥|在哪|能不能|是不是|可不可以")
_QUESTION_ENDS = ("?", "吗", "么", "呢")
_DAY_COUNT = re.compile(
    r"第\s*[0-9零〇一二两三四五六七八九十百千]+\s*天"
    r"|(?<![a-z])day\s*[0-9]+"
    r"|(?:连续|坚持|累计)\D{0,4}[0-9零〇一二两三四五六七八九十百千]+\s*天"
)
_WIDE = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}  # ASCII to full-width forms
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
# Decoration a check-in may start or end with: spaces, emoji and symbols, brackets.
_DECORATION = frozenset({"Zs", "So", "Sk", "Sm", "Cf", "Ps", "Pe", "Pi", "Pf", "Mn", "Cc"})


class CheckinConfig(RuleConfig):
    """Check-in settings of a group (``Group.settings["checkin"]``).

    ``daily_cap`` bounds the points one member earns in one community day,
    check-ins included (WeTool's 每日积分上限); ``short_length`` is rule C above.
    """

    keywords: list[str] = Field(
        default_factory=lambda: list(DEFAULT_KEYWORDS), validate_default=True
    )
    photo_with_keyword: bool = True
    points_per_checkin: int = Field(default=1, ge=0)
    daily_cap: int = Field(default=10, ge=0)
    short_length: int = Field(default=6, ge=0, le=50)

    @cached_property
    def probe(self) -> re.Pattern[str]:
        """A quick first look for any keyword before normalising: either width, any case.

        A core that holds another (已打卡, 打卡) is left to the shorter one. Each
        alternative starts with one plain character, so that the regex engine
        skips to the next of those characters in C instead of trying every
        alternative at every place (3× faster on chat text than ``[Cc]heckin|打卡``).
        """
        found = {k.lstrip("#/") or k for k in self.keywords}
        cores = sorted(c for c in found if not any(o != c and o in c for o in found))
        return re.compile(
            "|".join(re.escape(f) + _any_form(core[1:]) for core in cores for f in _forms(core[0]))
        )

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        cleaned = [normalise(k).strip() for k in value]
        if not cleaned or any(not k for k in cleaned):
            raise ValueError("keywords must be a non-empty list of non-empty words")
        # Longest first, so 已打卡 is found before 打卡 at the same place.
        return sorted(dict.fromkeys(cleaned), key=len, reverse=True)


def _forms(char: str) -> list[str]:
    """``char`` in either case and either width when it is ASCII; itself otherwise."""
    forms = {char, char.upper(), char.lower()} if char.isascii() else {char}
    return sorted(forms | {f.translate(_WIDE) for f in forms})


def _any_form(word: str) -> str:
    """A pattern matching ``word`` with its ASCII in either case and either width."""
    parts = []
    for char in word:
        forms = _forms(char)
        parts.append(f"[{''.join(map(re.escape, forms))}]" if len(forms) > 1 else re.escape(char))
    return "".join(parts)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width) and ASCII case folded; Chinese is unchanged."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _decoration(char: str) -> bool:
    return unicodedata.category(char) in _DECORATION


def _strip_decoration(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _decoration(text[start]):
        start += 1
    while end > start and (_decoration(text[end - 1]) or text[end - 1] in "。.!！~～"):
        end -= 1
    return text[start:end]


def _is_question(text: str) -> bool:
    stripped = _strip_decoration(text)
    if stripped.endswith(_QUESTION_ENDS) or "?" in text:
        return True
    return _QUESTION_WORDS.search(text) is not None


def _negated(text: str, at: int) -> bool:
    return _NEGATED.search(text, max(0, at - _NEGATION_WINDOW), at) is not None


def _occurrences(text: str, keywords: Iterable[str]) -> list[tuple[int, str]]:
    """Non-negated keyword occurrences, longest keyword first at each place."""
    found: dict[int, str] = {}
    for keyword in keywords:
        start = text.find(keyword)
        while start != -1:
            if start not in found and _whole(text, start, keyword) and not _negated(text, start):
                found[start] = keyword
            start = text.find(keyword, start + 1)
    return sorted(found.items())


def _alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _whole(text: str, at: int, keyword: str) -> bool:
    """A Latin keyword is not part of a longer Latin word (``/checkin``, not ``/checkins``)."""
    end = at + len(keyword)
    if _alnum(keyword[-1]) and end < len(text) and _alnum(text[end]):
        return False
    return not (_alnum(keyword[0]) and at > 0 and _alnum(text[at - 1]))


def _ends_as_word(text: str, at: int, keyword: str) -> bool:
    """The keyword closes the message as a clause of its own (``…读完一本书，打卡``)."""
    if at + len(keyword) != len(text) or at == 0:
        return False
    return text[at - 1].isspace() or unicodedata.category(text[at - 1])[0] in "PSZ"


def _starts_as_word(text: str, keyword: str) -> bool:
    if not text.startswith(keyword):
        return False
    rest = text[len(keyword) :]
    if not rest:
        return True
    nxt = rest[0]
    if keyword[-1].isascii() and keyword[-1].isalnum():
        return not (nxt.isascii() and nxt.isalnum())  # /checkin but not /checkins
    if nxt.isspace() or nxt.isdigit() or (nxt.isascii() and nxt.isalpha()):
        return True
    if unicodedata.category(nxt)[0] in "PSZ":
        return True
    return rest.startswith(_FOLLOWERS)


_PARTICLES = re.compile(r"(?:了|啦|咯|喽|啊|哦|呀|成功|完成)*")


def _letters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def _short(text: str, at: int, keyword: str, limit: int) -> bool:
    """A few words, then the keyword, then at most a particle (``晨跑打卡``, ``我已经打卡了``)."""
    if at > limit and len(_letters(text[:at])) > limit:  # no more characters: no more letters
        return False
    return _PARTICLES.fullmatch(_letters(text[at + len(keyword) :])) is not None


def is_checkin(kind: str, text: str, config: CheckinConfig) -> bool:
    """Whether a message of ``kind`` saying ``text`` is a check-in (rules in the module doc)."""
    if kind != "text" and not (kind == "image" and config.photo_with_keyword):
        return False
    if not text or config.probe.search(text) is None:
        return False
    body = _strip_decoration(normalise(text).strip())
    found = _occurrences(body, config.keywords)
    if not found:
        return False
    counted = _DAY_COUNT.search(body) is not None
    if counted:
        return True
    if _is_question(body):
        return False
    if any(k.startswith("#") for _, k in found):
        return True
    first_at, first = found[0]
    if first_at == 0 and _starts_as_word(body, first):
        return True
    last_at, last = found[-1]
    if _ends_as_word(body, last_at, last):
        return True
    return any(_short(body, at, keyword, config.short_length) for at, keyword in found)


# --- streaks ----------------------------------------------------------------


def community_day(at: datetime, zone: ZoneInfo) -> date:
    """The calendar day of the aware instant ``at`` in ``zone``."""
    if at.tzinfo is None:
        raise ValueError(f"check-in time {at.isoformat()} has no time zone (expected aware UTC)")
    return at.astimezone(zone).date()


def checkin_days(times: Iterable[datetime], zone: ZoneInfo | str) -> list[date]:
    """The distinct community days with a check-in, oldest first (one per day counts)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return sorted({community_day(at, tz) for at in times})


def longest_streak(days: Iterable[date]) -> tuple[int, date | None]:
    """The longest run of consecutive days and the day it ended (latest among equals)."""
    best, best_end, run, previous = 0, None, 0, None
    for day in sorted(set(days)):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        if run >= best:
            best, best_end = run, day
        previous = day
    return best, best_end


def current_streak(days: Iterable[date], as_of: date) -> int:
    """Consecutive days ending on ``as_of``, or on the day before it.

    A streak is still alive on a day its member has not checked in yet: the day is
    not over. Check-ins after ``as_of`` are ignored.
    """
    seen = {d for d in days if d <= as_of}
    day = as_of if as_of in seen else as_of - timedelta(days=1)
    run = 0
    while day in seen:
        run += 1
        day -= timedelta(days=1)
    return run


def monthly_counts(days: Iterable[date]) -> dict[str, int]:
    """Check-in days per calendar month, keyed ``YYYY-MM``, in month order."""
    counts = Counter(f"{d.year:04d}-{d.month:02d}" for d in set(days))
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Streaks:
    """One member's check-in record as of a day."""

    as_of: date
    days: tuple[date, ...]
    current: int
    longest: int
    longest_end: date | None
    monthly: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.days)

    @property
    def last(self) -> date | None:
        return self.days[-1] if self.days else None

    @property
    def this_month(self) -> int:
        """Check-in days in the month of ``as_of``."""
        return self.monthly.get(f"{self.as_of.year:04d}-{self.as_of.month:02d}", 0)


def streaks(times: Iterable[datetime], zone: ZoneInfo | str, as_of: date) -> Streaks:
    """Streak figures of one member's check-in times (only days up to ``as_of`` count)."""
    days = [d for d in checkin_days(times, zone) if d <= as_of]
    longest, longest_end = longest_streak(days)
    return Streaks(
        as_of=as_of,
        days=tuple(days),
        current=current_streak(days, as_of),
        longest=longest,
        longest_end=longest_end,
        monthly=monthly_counts(days),
    )


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    member: str
    current: int
    this_month: int
    longest: int
    total: int


def leaderboard(by_member: Mapping[str, Streaks], top: int = 10) -> list[LeaderboardRow]:
    """Top ``top`` members by current streak, then check-ins this month, then longest.

    Members without any check-in are left out; ties share a rank (1, 2, 2, 4).
    """
    ranked = sorted(
        ((m, s) for m, s in by_member.items() if s.total),
        key=lambda item: (-item[1].current, -item[1].this_month, -item[1].longest, item[0]),
    )[: max(top, 0)]
    rows: list[LeaderboardRow] = []
    for index, (member, s) in enumerate(ranked):
        rank = index + 1
        if rows and (rows[-1].current, rows[-1].this_month) == (s.current, s.this_month):
            rank = rows[-1].rank
        rows.append(LeaderboardRow(rank, member, s.current, s.this_month, s.longest, s.total))
    return rows


# --- points -----------------------------------------------------------------


def checkin_points(first_today: bool, earned_today: int, config: CheckinConfig) -> int:
    """Points a check-in earns (WeTool-style).

    Only the member's first check-in of the community day earns points; and all
    points of that day, whatever earned them (``earned_today``), stay within
    ``daily_cap``.
    """
    if not first_today:
        return 0
    room = max(config.daily_cap - max(earned_today, 0), 0)
    return min(config.points_per_checkin, room)


def total_points(days: Iterable[date], config: CheckinConfig) -> int:
    """Check-in points over ``days`` when check-ins were the only points earned."""
    return sum(checkin_points(True, 0, config) for _ in set(days))
