"""Finding links in chat text, with or without a scheme, and telling what they point to.

Found: ``http(s)://…`` and ``ftp://…``; ``www.…``; bare domains such as ``abc.com/x``
or ``t.me/xxx``. Not links (decided, see the tests): e-mail addresses, version
numbers (1.2.3), IP addresses without a scheme, dotted code (``os.path.join``,
``self.top``) and file names (``setup.py``, ``notes.md``, ``main.cc``). A bare
domain counts only when its top-level domain is a common web one; a top-level
domain that is also a file extension or an attribute name (``.py``, ``.io``,
``.me``, ``.top``…) counts only with a path (``x.io/abc``) or in a known host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Bare domains with these top-level domains are links without further evidence.
_PLAIN_TLDS = _set(
    "com net org edu gov cn hk tw mo jp kr ru de fr uk nl it es br au ca "
    "xyz vip club wang ltd shop tk ml ga cf gq"
)
# Real top-level domains that are also file extensions or words in code: a path is needed.
_PATH_TLDS = _set(
    "io me co cc ai ly gg tv to in so sh py md pl rs us app dev top info site online "
    "store link live life fun ink work pro biz mobi asia icu cyou buzz world today "
    "tech cloud space website im fm am ms la ws be eu ch se no fi pk id my ph vn th sg"
)
# Hosts that are links on their own, whatever their top-level domain.
SHORTENERS = _set(
    "t.cn url.cn dwz.cn suo.im sina.lt mrw.so u.nu bit.ly tinyurl.com goo.gl is.gd ow.ly "
    "t.co rb.gy cutt.ly s.id v.gd reurl.cc 0rz.tw tiny.cc shorturl.at rebrand.ly buff.ly "
    "lnkd.in db.tt qr.net dlj.bz c.tb.cn m.tb.cn"
)
_TELEGRAM = _set("t.me telegram.me telegram.dog")
_INVITE_HOSTS = _set("chat.whatsapp.com discord.gg qm.qq.com jq.qq.com qun.qq.com u.wechat.com")
_INVITE_HOSTS |= _set("open.kakao.com")
# Host-and-path prefixes of invitations to another group or channel.
_INVITE_PREFIXES = (
    "discord.com/invite/",
    "discordapp.com/invite/",
    "weixin.qq.com/g/",
    "work.weixin.qq.com/gm/",
    "line.me/r/ti/g",
    "line.me/ti/g",
    "join.slack.com/t/",
    "whatsapp.com/channel/",
    "matrix.to/#/#",
    "matrix.to/#/!",
)
_INVITE_SCHEMES = ("tg://join", "tg://resolve", "weixin://", "mqqapi://", "mqqopensdkapi://")
_KNOWN_HOSTS = SHORTENERS | _INVITE_HOSTS | _TELEGRAM | {"wa.me", "matrix.to", "line.me"}

_STOP = r"\s<>\"'，。！？、；：（）【】《》「」\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SCHEME = re.compile(rf"(?<![a-z0-9])(?:https?|ftp|tg|weixin|mqqapi|mqqopensdkapi)://[^{_STOP}]+")
_BARE = re.compile(
    r"(?<![a-z0-9_.@/:-])"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?P<tld>[a-z]{2,12}))"
    r"(?P<port>:\d{2,5})?"
    rf"(?P<path>/[^{_STOP}]*)?"
    r"(?![a-z0-9_@-])"
)
_TRAILING = ".,;:!?)]}'\"…"
#: In every text holding a link: a scheme's ``://``, or a host's last dot (``x.c``).
CLUE = r"://|\.(?<=[a-z0-9]\.)[a-z]"


@dataclass(frozen=True, slots=True)
class Link:
    """One link as written (``text``), its host and its path (without query)."""

    text: str
    host: str
    path: str

    @property
    def where(self) -> str:
        """Host and path, the form allowed-domain prefixes are written in."""
        return self.host + self.path


def find_links(text: str) -> list[Link]:
    """Every link in normalised (case-folded) ``text``, in order, each span once."""
    found: list[Link] = []
    taken: list[tuple[int, int]] = []
    for match in _SCHEME.finditer(text):
        raw = match.group(0).rstrip(_TRAILING)
        found.append(_parse(raw, raw.split("://", 1)[1]))
        taken.append((match.start(), match.end()))
    for match in _BARE.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        host, tld = match.group("host"), match.group("tld")
        path = (match.group("path") or "").rstrip(_TRAILING)
        if not _plausible(host, tld, path):
            continue
        found.append(_parse(match.group(0).rstrip(_TRAILING), host + path))
    return found


def _plausible(host: str, tld: str, path: str) -> bool:
    if host in _KNOWN_HOSTS or host.startswith("www."):
        return True
    if not any(c.isalpha() for c in host[: -len(tld) - 1]):
        return False
    if tld in _PLAIN_TLDS:
        return True
    return tld in _PATH_TLDS and len(path) > 1


def _parse(raw: str, rest: str) -> Link:
    host, _, path = rest.partition("/")
    host = host.split("@")[-1].split(":")[0]
    path = "/" + path.split("?")[0].split("#")[0] if path else ""
    if "#" in rest and host == "matrix.to":
        path = "/" + rest.split("/", 1)[1] if "/" in rest else ""
    return Link(text=raw, host=host, path=path)


def allowed(link: Link, domains: Iterable[str]) -> bool:
    """Whether ``link`` is covered by an allowed entry.

    An entry without ``/`` allows the domain and its subdomains (``example.com``
    allows ``www.example.com``); an entry with one allows links starting with it
    (``t.me/ourgroup`` allows ``t.me/ourgroup`` and ``t.me/ourgroup/12``).
    """
    for entry in domains:
        entry = entry.strip().casefold().removeprefix("https://").removeprefix("http://")
        if not entry:
            continue
        if "/" in entry:
            if link.where == entry.rstrip("/") or link.where.startswith(entry.rstrip("/") + "/"):
                return True
        elif link.host == entry or link.host.endswith("." + entry):
            return True
    return False


def is_shortener(link: Link) -> bool:
    """A URL shortener hides where a link goes: a favourite of advertisers."""
    return link.host in SHORTENERS


def is_invite(link: Link) -> bool:
    """A link that invites into another group (t.me/+…, chat.whatsapp.com, discord.gg …)."""
    if link.text.startswith(_INVITE_SCHEMES):
        return True
    if link.host in _TELEGRAM:
        return link.path.startswith(("/joinchat/", "/+", "/addlist/"))
    if link.host in _INVITE_HOSTS:
        return len(link.path) > 1
    where = link.where.removeprefix("www.")
    return where.startswith(_INVITE_PREFIXES)


def is_channel(link: Link) -> bool:
    """A link to a public Telegram channel, group, bot or account (t.me/name), not to a post.

    Weaker than an invitation: members point each other to a project's channel;
    a link to one message in it (t.me/name/123) is an ordinary link.
    """
    if link.host not in _TELEGRAM or is_invite(link):
        return False
    parts = [p for p in link.path.split("/") if p]
    if parts[:1] == ["s"]:
        parts = parts[1:]
    return len(parts) == 1 and parts[0] not in ("c", "share", "iv")


def is_direct_contact(link: Link) -> bool:
    """A link that opens a private chat with someone (wa.me/8613…)."""
    return link.host in {"wa.me", "api.whatsapp.com"} and len(link.path) > 1
