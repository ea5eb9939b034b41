"""接龙 (jielong): recognising sign-up chains in messages and keeping their latest state.

Pure: no Django, no clock. A 接龙 post is a message with a title line (often
``#接龙`` or containing 接龙), optional description lines, then numbered entries
(``1. 张三``, ``2、李四``, ``3 王五 +1``, ``１．赵六``, ``①钱七``). Each member who
joins reposts the whole list with a line added, sometimes with an edit.

``JielongTracker`` follows a stream of messages (time order) and groups posts
into chains:

- a post continues the latest chain with the same title (compared on letters and
  digits only, so whitespace, punctuation and the 接龙 marker may change) when it
  shares an entry with it; a chain whose title was edited is still followed when
  the post starts with the same two entries;
- a post whose title has no 接龙 becomes a chain only once a second post repeats
  its title and first entry and adds to it (a lone numbered list is not a chain);
- a message of numbered lines only, continuing the numbering of the chain
  updated last (within a day, give or take one for a racing copy), adds to that
  chain (``4. 孙八`` on its own).

The entries of a post are compared with the chain's (difflib): entries present
before keep who added them; new ones are credited to the sender of the first
message containing them; a changed line that still resembles the old one is an
edit; a line gone is a removal — except the classic race, where two members
copy the same list at once and the second post lacks the first one's addition
at the end: then both are kept and the chain counts a conflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from zoneinfo import ZoneInfo

from shequn.playbook.jielong_post import (
    JielongPost,
    bare_entries,
    entry_key,
    might_be_jielong,
    parse_post,
    strip_number,
)

FORK_WINDOW = timedelta(minutes=30)
BARE_WINDOW = timedelta(hours=24)
TITLE_EDIT_WINDOW = timedelta(days=7)
PENDING_LIMIT = 500


@dataclass(frozen=True)
class ChainMessage:
    """A message as the tracker needs it; ``sender`` is a stable id, ``at`` aware."""

    message_id: str
    sender: str
    sender_name: str
    at: datetime
    text: str


@dataclass
class Entry:
    """One line of a chain: who added it and when; edits and removal if any."""

    text: str
    added_by: str
    added_by_name: str
    added_at: datetime
    message_id: str
    edited_at: datetime | None = None
    edited_by_name: str = ""
    removed_at: datetime | None = None
    removed_by_name: str = ""

    @property
    def key(self) -> str:
        return entry_key(self.text)


@dataclass
class Chain:
    """A 接龙 with its latest state; ``removed`` keeps entries that were taken out."""

    title: str
    key: str
    description: tuple[str, ...]
    started_by: str
    started_by_name: str
    started_at: datetime
    updated_at: datetime
    first_message_id: str
    posts: int = 0
    entries: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    conflicts: int = 0

    def duplicates(self) -> list[str]:
        """Entry texts that appear more than once in the latest state."""
        counts = Counter(e.key for e in self.entries)
        shown = {e.key: e.text for e in reversed(self.entries)}  # first spelling
        return [shown[key] for key, n in counts.items() if n > 1]


def _similar(old: str, new: str) -> bool:
    """An edited line: one extends the other (``李四`` → ``李四 +1``), or they mostly agree."""
    a, b = entry_key(old), entry_key(new)
    if min(len(a), len(b)) >= 2 and (a.startswith(b) or b.startswith(a)):
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _new_entry(text: str, msg: ChainMessage) -> Entry:
    return Entry(text, msg.sender, msg.sender_name, msg.at, msg.message_id)


def _removed(entry: Entry, msg: ChainMessage) -> Entry:
    entry.removed_at, entry.removed_by_name = msg.at, msg.sender_name
    return entry


@dataclass
class _Diff:
    """The outcome of comparing a chain's entries with a post's."""

    result: list[Entry] = field(default_factory=list)
    gone: list[Entry] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)


def _extends(old: list[Entry], new: tuple[str, ...]) -> bool:
    """Whether ``new`` starts with ``old``'s entries (by key): a repost that only adds lines.

    Most reposts are the list before plus a line; telling them apart this way
    spares the line-by-line comparison (``_diff``), whose outcome would be the same.
    """
    if len(old) > len(new):
        return False
    for entry, text in zip(old, new, strict=False):
        if entry.text != text and entry.key != entry_key(text):
            return False
    return True


def _appended(old: list[Entry], new: tuple[str, ...], msg: ChainMessage) -> _Diff:
    """``_diff`` of a repost that ``_extends`` the chain: each entry kept, the rest added."""
    diff = _Diff(result=old)
    for entry, text in zip(old, new, strict=False):
        entry.text = text  # the poster's spelling, as the slow path keeps it
    diff.added = [_new_entry(text, msg) for text in new[len(old) :]]
    diff.result.extend(diff.added)
    return diff


def _diff(old: list[Entry], new: tuple[str, ...], msg: ChainMessage) -> _Diff:
    if _extends(old, new):
        return _appended(list(old), new, msg)
    diff = _Diff()
    matcher = SequenceMatcher(None, [e.key for e in old], [entry_key(t) for t in new], False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for entry, text in zip(old[i1:i2], new[j1:j2], strict=True):
                entry.text = text
                diff.result.append(entry)
            continue
        pairs = list(zip(old[i1:i2], new[j1:j2], strict=False)) if tag == "replace" else []
        for entry, text in pairs:
            if _similar(entry.text, text):
                entry.text, entry.edited_at, entry.edited_by_name = text, msg.at, msg.sender_name
                diff.result.append(entry)
            else:
                diff.gone.append(entry)
                diff.added.append(_new_entry(text, msg))
                diff.result.append(diff.added[-1])
        diff.gone.extend(old[i1 + len(pairs) : i2])
        for text in new[j1 + len(pairs) : j2]:
            diff.added.append(_new_entry(text, msg))
            diff.result.append(diff.added[-1])
    return diff


def _common_prefix(old: list[Entry], new: tuple[str, ...]) -> int:
    count = 0
    for entry, text in zip(old, new, strict=False):
        if entry.key != entry_key(text):
            break
        count += 1
    return count


def _is_fork(old: list[Entry], new: tuple[str, ...], diff: _Diff, msg: ChainMessage) -> bool:
    """Two members copied the same list at once: the post lacks only the other's addition."""
    if not diff.gone or not diff.added:
        return False
    prefix = _common_prefix(old, new)
    if {id(e) for e in diff.gone} != {id(e) for e in old[prefix:]}:
        return False
    return all(e.added_by != msg.sender and msg.at - e.added_at <= FORK_WINDOW for e in diff.gone)


def apply_post(chain: Chain, post: JielongPost, msg: ChainMessage) -> None:
    """Bring ``chain`` to the state ``post`` shows, crediting additions to ``msg``'s sender."""
    old = list(chain.entries)
    diff = _diff(old, post.entries, msg)
    if _is_fork(old, post.entries, diff, msg):
        prefix = _common_prefix(old, post.entries)
        chain.entries = old[:prefix] + diff.gone + diff.result[prefix:]
        chain.conflicts += 1
    else:
        chain.entries = diff.result
        if diff.gone:
            moved = {entry_key(strip_number(line)) for line in post.description}
            chain.removed.extend(_removed(e, msg) for e in diff.gone if e.key not in moved)
    chain.title, chain.key, chain.description = post.title, post.key, post.description
    chain.updated_at = msg.at
    chain.posts += 1


def _start(post: JielongPost, msg: ChainMessage) -> Chain:
    chain = Chain(
        title=post.title,
        key=post.key,
        description=post.description,
        started_by=msg.sender,
        started_by_name=msg.sender_name,
        started_at=msg.at,
        updated_at=msg.at,
        first_message_id=msg.message_id,
    )
    apply_post(chain, post, msg)
    return chain


def _shares(chain: Chain, post: JielongPost) -> bool:
    keys = {e.key for e in chain.entries}
    if not keys or any(entry_key(t) in keys for t in post.entries):
        return True
    return any(entry_key(strip_number(line)) in keys for line in post.description)


def _restarts(chain: Chain, post: JielongPost, at: datetime) -> bool:
    """The same title posted afresh (next week's 爬山): few old entries, hours later."""
    keys = {e.key for e in chain.entries}
    kept = sum(entry_key(t) in keys for t in post.entries)
    return 2 * kept < len(keys) and at - chain.updated_at >= timedelta(hours=12)


class JielongTracker:
    """Follows messages in time order and keeps every 接龙 chain's latest state."""

    def __init__(self) -> None:
        self.chains: list[Chain] = []
        self._by_key: dict[str, Chain] = {}
        self._pending: dict[str, tuple[JielongPost, ChainMessage]] = {}
        self._latest: Chain | None = None

    def feed(self, msg: ChainMessage) -> Chain | None:
        """Take one message; the chain it started or changed, or None."""
        if not might_be_jielong(msg.text):
            return None
        post = parse_post(msg.text)
        if post is None:
            return self._bare(msg)
        chain = self._find(post, msg.at)
        if chain is not None:
            apply_post(chain, post, msg)
        elif post.marked:
            chain = self._add(_start(post, msg))
        else:
            chain = self._promote(post, msg)
        if chain is not None:
            self._by_key[chain.key] = chain
            self._latest = chain
        return chain

    def _add(self, chain: Chain) -> Chain:
        self.chains.append(chain)
        return chain

    def _find(self, post: JielongPost, at: datetime) -> Chain | None:
        chain = self._by_key.get(post.key)
        if chain is not None and (post.key or chain.entries):
            if _extends(chain.entries, post.entries):  # shares all, so no restart: spare both
                return chain
            if _shares(chain, post) and not _restarts(chain, post, at):
                return chain
            if post.key:
                return None
        head = [entry_key(t) for t in post.entries[:2]]
        if len(head) < 2:
            return None
        for candidate in reversed(self.chains):  # a chain whose title was edited
            if at - candidate.updated_at > TITLE_EDIT_WINDOW:
                continue
            if [e.key for e in candidate.entries[:2]] == head:
                return candidate
        return None

    def _promote(self, post: JielongPost, msg: ChainMessage) -> Chain | None:
        """An unmarked list becomes a chain when a second post repeats and extends it."""
        earlier = self._pending.pop(post.key, None)
        if earlier is not None:
            first_post, first_msg = earlier
            grew = {entry_key(t) for t in post.entries} - {entry_key(t) for t in first_post.entries}
            same_start = entry_key(first_post.entries[0]) == entry_key(post.entries[0])
            if grew and same_start and msg.at - first_msg.at <= TITLE_EDIT_WINDOW:
                chain = self._add(_start(first_post, first_msg))
                apply_post(chain, post, msg)
                return chain
        self._pending[post.key] = (post, msg)
        if len(self._pending) > PENDING_LIMIT:
            del self._pending[next(iter(self._pending))]
        return None

    def _bare(self, msg: ChainMessage) -> Chain | None:
        """``4. 孙八`` alone continues the chain changed last, if its numbering fits."""
        lines = bare_entries(msg.text)
        chain = self._latest
        if not lines or chain is None:
            return None
        # The member may have numbered from a copy one line short (the race above).
        if msg.at - chain.updated_at > BARE_WINDOW or not (
            lines[0][0] > 1 and len(chain.entries) - 1 <= lines[0][0] <= len(chain.entries) + 1
        ):
            return None
        chain.entries.extend(_new_entry(text, msg) for _, text in lines)
        chain.updated_at = msg.at
        chain.posts += 1
        return chain


def find_chains(messages: Iterable[ChainMessage]) -> list[Chain]:
    """Every 接龙 chain in ``messages`` (time order), each in its latest state."""
    tracker = JielongTracker()
    for msg in messages:
        tracker.feed(msg)
    return tracker.chains


def export_rows(chain: Chain, zone: ZoneInfo | str) -> list[tuple[int, str, str, str]]:
    """(no., entry text, added by, added at in ``zone`` as YYYY-MM-DD HH:MM), in order."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return [
        (n, e.text, e.added_by_name, e.added_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        for n, e in enumerate(chain.entries, 1)
    ]
