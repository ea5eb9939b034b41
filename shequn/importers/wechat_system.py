"""WeChat system messages, and the small state every WeChat importer shares.

WeChat reports membership only through system messages (Type 10000 plain text,
Type 10002 XML). This module reads the ones that matter:

- ``"A"邀请"B"加入了群聊`` (several invitees joined with ``、`` inside the quotes,
  or as several quoted names), ``你邀请"B"加入了群聊``, ``"A"邀请你加入了群聊`` →
  joins by invitation, the inviter kept as the referral;
- ``"B"通过扫描"A"分享的二维码加入群聊`` (also with ``你`` on either side) and
  ``你通过扫描二维码加入群聊`` → joins by QR code, the sharer as the inviter;
- ``"A"将"B"移出了群聊``, ``你将"B"移出了群聊``, ``你被"A"移出群聊`` → removals;
- ``"A"修改群名为"…"`` / ``你修改群名为"…"`` → group renamed;
- ``"A"撤回了一条消息`` / ``你撤回了一条消息`` → a recall that names no message:
  importers skip it with the reason ``recall without message id``;
- red-packet notices (``…领取了…红包``) → skipped as ``red packet notice``;
- XML ``<sysmsg type="revokemsg">`` → a recall of ``newmsgid`` (a MsgSvrID), and
  ``<sysmsg type="sysmsgtemplate">`` → its template filled with the member
  nicknames, read as the text above, with the members' wxids learnt from it.

Anything else is skipped with a reason; nothing is guessed. A notice naming
several members yields one event per member, with ids ``<message id>.<n>``.

Names in system messages are display names. ``NameBook`` maps a name to the wxid
of a sender seen earlier in the same file (bounded, most recent wins); a name it
cannot map becomes the Actor id itself. ``你`` is the exporting account: Actor
id ``self``. A name containing ``、`` is split into several invitees unless the
whole name is already known to the book.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from shequn.events import (
    Actor,
    Event,
    GroupRenamed,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    Mention,
    MessageDeleted,
)
from shequn.importers.base import ImportOptions

PLATFORM = "wechat"
SELF_NAME = "你"
SELF = Actor(id="self", name=SELF_NAME)
RECENT_MESSAGES = 5000
KNOWN_NAMES = 20000

_Q = '"“”'  # WeChat quotes names with ASCII quotes; some versions with “ ”
_NAME = rf"[{_Q}](.+?)[{_Q}]"
_WHO = rf"(?:{_NAME}|(你))"
_INVITE = re.compile(rf"^{_WHO}邀请(.+?)加入了群聊")
_QR = re.compile(rf"^{_WHO}\s*通过扫描{_WHO}分享的二维码加入群聊")
_QR_SELF = re.compile(r"^你通过扫描二维码加入群聊")
_REMOVE = re.compile(rf"^{_WHO}将(.+?)移出了群聊")
_REMOVED_SELF = re.compile(rf"^你被{_NAME}移出(?:了)?群聊")
_RENAME = re.compile(rf"^{_WHO}修改群名为[{_Q}](.*)[{_Q}]\s*$", re.DOTALL)
_RECALL = re.compile(rf"^{_WHO}\s*撤回了一条消息")
_RED_PACKET = re.compile(r"领取了.*红包|红包.*(?:已被领完|被领取)")
_QUOTED = re.compile(rf"[{_Q}]([^{_Q}]+)[{_Q}]")
_MARKUP = re.compile(
    r"<!\[CDATA\[|\]\]>|<a [^>]*>.*?</a>|<_wc_custom_link_[^>]*>|</_wc_custom_link_>"
)
_MENTION = re.compile(r"@([^\s@\u2005]{1,40})\u2005")


@dataclass(frozen=True, slots=True)
class Notice:
    """What a system message says, in names; ``kind`` is join, remove, rename,
    recall, red_packet or unknown."""

    kind: str
    actor: str = ""
    members: tuple[str, ...] = ()
    how: JoinHow = JoinHow.UNKNOWN
    new_name: str = ""
    message_id: str = ""
    wxids: dict[str, str] = field(default_factory=dict)


class NameBook:
    """Display name → wxid for senders seen so far in one file, bounded.

    The oldest learnt name goes first; a sender's next message learns it again.
    """

    def __init__(self, limit: int = KNOWN_NAMES) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._limit = limit

    def learn(self, wxid: str, *names: str) -> None:
        for name in names:
            if name and wxid and name != wxid and self._ids.get(name) != wxid:
                self._ids.pop(name, None)
                self._ids[name] = wxid
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)

    def knows(self, name: str) -> bool:
        return name in self._ids

    def wxid(self, name: str) -> str:
        return self._ids.get(name, "")

    def actor(self, name: str, wxids: dict[str, str] | None = None) -> Actor:
        if name == SELF_NAME:
            return SELF
        wxid = (wxids or {}).get(name) or self._ids.get(name) or name
        return Actor(id=wxid, name=name)


def _digest(*parts: str) -> bytes:
    h = hashlib.blake2b(digest_size=12)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.digest()


class RecentIndex:
    """The last messages' ids by (sender, text) and by text, to link quote replies.

    Keys are hashes, not the texts, so memory stays bounded whatever their length;
    a hash collision could at worst link a reply to the wrong recent message.
    """

    def __init__(self, limit: int = RECENT_MESSAGES) -> None:
        self._ids: OrderedDict[int, str] = OrderedDict()
        self._limit = limit * 4

    def add(self, event_id: str, text: str, *senders: str) -> None:
        if not text:
            return
        ids = self._ids
        for key in (hash(text), *(hash((s, text)) for s in senders if s)):
            ids.pop(key, None)
            ids[key] = event_id
        while len(ids) > self._limit:
            ids.popitem(last=False)

    def find(self, text: str, *senders: str) -> str | None:
        """The newest message with this text, from one of ``senders`` if any matches."""
        if not text:
            return None
        for sender in senders:
            if sender and (found := self._ids.get(hash((sender, text)))):
                return found
        return self._ids.get(hash(text))


class StableIds:
    """Ids for formats without message ids: a hash of (time, sender, content, n).

    ``n`` counts earlier identical triples at the same time, so re-reading the same
    or an overlapping file gives the same ids. Counts reset when the time changes,
    which keeps memory flat (exports are in time order).
    """

    def __init__(self) -> None:
        self._time = ""
        self._seen: dict[bytes, int] = {}

    def next(self, time: str, sender: str, content: str) -> str:
        if time != self._time:
            self._time = time
            self._seen.clear()
        key = _digest(time, sender, content)
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return _digest(time, sender, content, str(n)).hex()


def mentions(text: str, book: NameBook) -> tuple[Mention, ...]:
    """WeChat @mentions end with U+2005; the id is the wxid when the book knows it."""
    if "@" not in text:
        return ()
    return tuple(Mention(id=book.wxid(m), name=m) for m in _MENTION.findall(text))


def _who(quoted: str | None, you: str | None) -> str:
    return SELF_NAME if you else (quoted or "")


def _names(part: str, book: NameBook) -> tuple[str, ...]:
    """Invitees of ``"B"``, ``"B、C"``, ``"B"、"C"``, ``你和"B"``."""
    names: list[str] = [SELF_NAME] if _QUOTED.sub("", part).startswith(SELF_NAME) else []
    for quoted in _QUOTED.findall(part):
        if book.knows(quoted) or "、" not in quoted:
            names.append(quoted)
        else:
            names.extend(n for n in quoted.split("、") if n)
    return tuple(names)


def _membership(text: str, book: NameBook) -> Notice | None:
    if m := _QR.match(text):
        return Notice("join", _who(m[3], m[4]), (_who(m[1], m[2]),), JoinHow.QR)
    if _QR_SELF.match(text):
        return Notice("join", "", (SELF_NAME,), JoinHow.QR)
    if m := _INVITE.match(text):
        return Notice("join", _who(m[1], m[2]), _names(m[3], book), JoinHow.INVITE)
    if m := _REMOVED_SELF.match(text):
        return Notice("remove", m[1], (SELF_NAME,))
    if m := _REMOVE.match(text):
        return Notice("remove", _who(m[1], m[2]), _names(m[3], book))
    return None


def parse_text(text: str, book: NameBook) -> Notice:
    """Read a plain system message (Type 10000)."""
    plain = _MARKUP.sub("", text).strip()
    notice = _membership(plain, book)
    if notice is not None and notice.members:
        return notice
    if m := _RENAME.match(plain):
        return Notice("rename", _who(m[1], m[2]), new_name=m[3])
    if m := _RECALL.match(plain):
        return Notice("recall", _who(m[1], m[2]))
    if _RED_PACKET.search(plain):
        return Notice("red_packet")
    return Notice("unknown")


def _fill_template(content: ET.Element) -> tuple[str, dict[str, str]]:
    text = content.findtext("template") or ""
    wxids: dict[str, str] = {}
    for link in content.iter("link"):
        nicks: list[str] = []
        for member in link.iter("member"):
            wxid = (member.findtext("username") or "").strip()
            nick = member.findtext("nickname") or wxid
            nicks.append(nick)
            if wxid:
                wxids[nick] = wxid
        separator = link.findtext("separator") or "、"
        text = text.replace(f"${link.get('name', '')}$", separator.join(nicks))
    return text, wxids


def parse_xml(xml: str, book: NameBook) -> Notice:
    """Read an XML system message (Type 10002, or XML inside Type 10000)."""
    try:
        root = ET.fromstring(xml.strip())
    except ET.ParseError:
        return Notice("unknown")
    kind = root.get("type", "")
    if kind == "revokemsg":
        replace_text = root.findtext(".//replacemsg") or ""
        actor = parse_text(replace_text, book).actor
        return Notice("recall", actor, message_id=(root.findtext(".//newmsgid") or "").strip())
    template = root.find(".//content_template")
    if template is not None:
        text, wxids = _fill_template(template)
        for nick, wxid in wxids.items():
            book.learn(wxid, nick)
        return replace(parse_text(text, book), wxids=wxids)
    plain = root.findtext(".//plain")
    return parse_text(plain, book) if plain else Notice("unknown")


def parse(content: str, book: NameBook) -> Notice:
    """Read a system message, plain or XML."""
    if content.lstrip().startswith("<sysmsg") or content.lstrip().startswith("<?xml"):
        return parse_xml(content, book)
    return parse_text(content, book)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a system message sits: its group, id and time."""

    group: str
    event_id: str
    at: datetime
    group_name: str = ""


def _join_events(notice: Notice, where: Where, book: NameBook) -> Iterator[Event]:
    inviter = book.actor(notice.actor, notice.wxids) if notice.actor else None
    for i, name in enumerate(notice.members):
        member = book.actor(name, notice.wxids)
        yield MemberJoined(
            platform=PLATFORM,
            group=where.group,
            group_name=where.group_name,
            event_id=f"{where.event_id}.{i}" if len(notice.members) > 1 else where.event_id,
            at=where.at,
            actor=inviter if notice.how is JoinHow.INVITE else member,
            member=member,
            how=notice.how,
            inviter=inviter,
        )


def _remove_events(notice: Notice, where: Where, book: NameBook) -> Iterator[Event]:
    actor = book.actor(notice.actor, notice.wxids) if notice.actor else None
    for i, name in enumerate(notice.members):
        yield MemberLeft(
            platform=PLATFORM,
            group=where.group,
            group_name=where.group_name,
            event_id=f"{where.event_id}.{i}" if len(notice.members) > 1 else where.event_id,
            at=where.at,
            actor=actor,
            member=book.actor(name, notice.wxids),
            how=LeaveHow.REMOVED,
        )


def _single_event(notice: Notice, where: Where, book: NameBook) -> Event:
    """The GroupRenamed or MessageDeleted a rename or placed recall stands for."""
    actor = book.actor(notice.actor, notice.wxids) if notice.actor else None
    if notice.kind == "rename":
        return GroupRenamed(
            platform=PLATFORM,
            group=where.group,
            group_name=where.group_name,
            event_id=where.event_id,
            at=where.at,
            actor=actor,
            new_name=notice.new_name,
        )
    return MessageDeleted(
        platform=PLATFORM,
        group=where.group,
        group_name=where.group_name,
        event_id=where.event_id,
        at=where.at,
        actor=actor,
        message_id=notice.message_id,
    )


def _skip_reason(notice: Notice) -> str:
    if notice.kind == "recall" and notice.message_id:
        return "recall names a MsgSvrID, not this export's ids"
    if notice.kind == "recall":
        return "recall without message id"
    if notice.kind == "red_packet":
        return "red packet notice"
    return "wechat system message not recognised"


def events(
    notice: Notice,
    where: Where,
    book: NameBook,
    options: ImportOptions,
    *,
    recall_ids: bool = True,
) -> Iterator[Event]:
    """Turn a notice into events, or count it as skipped with a reason.

    ``recall_ids`` says whether this export's message ids are MsgSvrIDs, the ids
    that ``<revokemsg>`` names; otherwise such a recall cannot be placed.
    """
    if notice.kind == "join":
        yield from _join_events(notice, where, book)
    elif notice.kind == "remove":
        yield from _remove_events(notice, where, book)
    elif notice.kind == "rename" or (notice.kind == "recall" and notice.message_id and recall_ids):
        yield _single_event(notice, where, book)
    else:
        options.skip(_skip_reason(notice))
