"""Export generators for bench/import_bench.py: one conversation, two export formats.

``Exporter(seed, tg, wa).run(n)`` streams the same seeded conversation of ``n``
messages (500 members, Chinese and English text, replies, mentions and links,
edits and membership service messages) into a Telegram Desktop ``result.json``
and a WhatsApp Android ``.txt``, and returns its counts.
"""

from __future__ import annotations

import functools
import json
import random
from collections import deque
from datetime import UTC, datetime
from typing import TextIO

MEMBERS = 500
GROUP = "开源社区运营交流群 Open Source Ops"
CHAT_ID = 1712345678
LOCAL_OFFSET = 8 * 3600  # the exporting machine and phone are in Asia/Shanghai
START = 1609459200  # 2021-01-01T00:00:00Z
WA_FILE = "WhatsApp Chat with Open Source Ops.txt"
E2E = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even"
    " WhatsApp, can read or listen to them. Tap to learn more."
)
ZH = (  # noqa: SIM905
    "大家好，我是新来的 今天的活动报名开始了 这个问题怎么解决？ 谢谢分享！ "
    "明天晚上八点线上分享，欢迎参加 有人用过这个工具吗 我觉得可以试试 收到 好的👌 "
    "文档已经更新了 周末有线下聚会吗 这个链接打不开 群里禁止发广告哦 辛苦了 "
    "我来整理一下会议纪要 下周三之前交作业 哈哈哈 同意楼上 新版本发布了，欢迎试用 "
    "报名表在群公告里 先看一下群规 这个思路不错 我晚点回复你 已私聊 讲得太好了"
).split()
EN = (  # noqa: SIM905
    "Thanks for sharing!|Has anyone tried the new release?|See you at the meetup tomorrow.|"
    "I'll update the docs tonight.|+1|Good point, let's discuss it on Friday.|Welcome aboard!|"
    "The slides are in the shared folder.|Can someone review my PR?|lol|Sorry, I missed the call.|"
    "Which timezone is the event in?|Please read the pinned rules first.|Works on my machine."
).split("|")
SURNAMES = "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高".split()  # noqa: SIM905
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 华 慧 晨".split()  # noqa: SIM905
FIRST = "Alice Bob Carol David Emma Frank Grace Henry Ivy Jack Kate Leo Mia Nick Olivia".split()  # noqa: SIM905
LAST = "Chen Smith Wang Brown Li Garcia Zhang Miller Liu Davis Lee Wilson".split()  # noqa: SIM905
dump = functools.partial(json.dumps, ensure_ascii=False)


def make_members(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(Telegram name, from_id, @username, name as the WhatsApp phone shows it) per member."""
    zh = [s + g for s in SURNAMES for g in GIVEN]
    en = [f"{f} {last}" for f in FIRST for last in LAST]
    rng.shuffle(zh)
    rng.shuffle(en)
    names = zh[:350] + en[:150]
    rng.shuffle(names)
    members = []
    for i, name in enumerate(names):
        uid = f"user{rng.randrange(10**8, 7 * 10**9)}"
        username = f"m{i:03d}_{name.split()[0].lower()}" if name.isascii() else f"zh_member{i:03d}"
        d = rng.randrange
        phone = f"+86 1{d(30, 90)} {d(1000, 9999)} {d(1000, 9999)}"  # shown when not a contact
        members.append((name, uid, username, phone if rng.random() < 0.1 else name))
    return members


def sentence(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return "".join(rng.choices(ZH, k=rng.randint(1, 3)))
    if r < 0.9:
        return " ".join(rng.choices(EN, k=rng.randint(1, 3)))
    return rng.choice(ZH) + " " + rng.choice(EN)


def plain_text(rng: random.Random) -> str:
    if rng.random() < 0.1:  # a multi-line message
        return "\n".join(sentence(rng) for _ in range(rng.randint(2, 4)))
    return sentence(rng)


def entity_parts(rng: random.Random, members: list) -> list[tuple[str, str]]:
    """Text pieces of a message with a mention and/or a link, as Telegram splits them."""
    who = rng.choice(members)
    url = f"https://github.com/shequn-demo/issues/{rng.randrange(1, 5000)}"
    shape = rng.randrange(3)
    if shape == 0:
        return [("mention", "@" + who[2]), ("plain", " " + sentence(rng))]
    if shape == 1:
        return [("plain", sentence(rng) + " "), ("link", url)]
    cc = [("plain", "cc "), ("mention", "@" + who[2]), ("plain", " "), ("link", url)]
    return [*cc, ("plain", "\n" + plain_text(rng))]


def obj(fields: list[tuple[str, str]], indent: int = 3) -> str:
    """A JSON object laid out as Telegram Desktop writes it: one key a line, one-space indents."""
    body = ",\n".join(f'{" " * indent}"{key}": {value}' for key, value in fields)
    return "{\n" + body + "\n" + " " * (indent - 1) + "}"


def arr(values: list[str], indent: int = 4) -> str:
    return "[\n" + ",\n".join(" " * indent + v for v in values) + "\n" + " " * (indent - 1) + "]"


def tg_part(kind: str, text: str) -> str:
    return obj([("type", dump(kind)), ("text", dump(text))], 5)


def tg_text(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``text`` (a string when all plain, else pieces) and ``text_entities`` (all objects)."""
    if len(parts) == 1 and parts[0][0] == "plain":
        text = dump(parts[0][1])
    else:
        text = arr([dump(t) if k == "plain" else tg_part(k, t) for k, t in parts])
    return [("text", text), ("text_entities", arr([tg_part(k, t) for k, t in parts]))]


def wa_text(parts: list[tuple[str, str]], handle_to_wa: dict[str, str]) -> str:
    """The same text as WhatsApp writes it: mentions as ``@⁨Name⁩`` (or digits), links as text."""
    shown = [handle_to_wa[t[1:]] if k == "mention" else "" for k, t in parts]
    mention = ["@" + s[1:].replace(" ", "") if s[:1] == "+" else f"@\u2068{s}\u2069" for s in shown]
    return "".join(m if s else t for (_, t), s, m in zip(parts, shown, mention, strict=True))


def pools(rng: random.Random, members: list) -> tuple[list, list]:
    """Pre-rendered (Telegram fields, WhatsApp body) pairs: plain texts, texts with entities."""
    handles = {m[2]: m[3] for m in members}
    plain = [[("plain", plain_text(rng))] for _ in range(6000)]
    rich = [entity_parts(rng, members) for _ in range(3000)]
    render = [(tg_text(p), wa_text(p, handles)) for p in plain + rich]
    return render[:6000], render[6000:]


def stamps(ts: int) -> tuple[str, str]:
    """(Telegram local ISO date, WhatsApp Android header date) of a Unix time."""
    local = datetime.fromtimestamp(ts + LOCAL_OFFSET, UTC)
    return local.strftime("%Y-%m-%dT%H:%M:%S"), local.strftime("%d/%m/%Y, %H:%M")


def actor(who: tuple, action: str) -> list[tuple[str, str]]:
    return [("actor", dump(who[0])), ("actor_id", dump(who[1])), ("action", dump(action))]


NO_TEXT = [("text", '""'), ("text_entities", "[]")]


class Exporter:
    """Streams one conversation into a Telegram ``result.json`` and a WhatsApp ``.txt``."""

    def __init__(self, seed: int, tg: TextIO, wa: TextIO) -> None:
        self.rng = random.Random(seed)
        self.members = make_members(self.rng)
        self.admin = self.members[0]
        self.plain, self.rich = pools(self.rng, self.members)
        self.tg, self.wa = tg, wa
        self.counts = {"message": 0, "service": 0, "replies": 0, "entities": 0, "edited": 0}
        self.mid, self.ts, self.recent, self.sep = 0, START, deque([1], maxlen=50), "\n  "

    def emit(self, kind: str, fields: list[tuple[str, str]], wa_line: str) -> None:
        iso, head = stamps(self.ts)
        dated = [("id", str(self.mid)), ("type", dump(kind)), ("date", dump(iso))]
        dated.append(("date_unixtime", dump(str(self.ts))))
        self.tg.write(self.sep + obj(dated + fields))
        self.wa.write(f"{head} - {wa_line}\n")
        self.sep = ",\n  "
        self.counts[kind] += 1

    def run(self, n: int) -> dict[str, int]:
        rng, weights = self.rng, [1.0 / (i + 1) ** 0.8 for i in range(MEMBERS)]
        senders = rng.choices(self.members, weights=weights, k=n)  # a few members talk a lot
        chat = [("name", dump(GROUP)), ("type", '"private_supergroup"'), ("id", str(CHAT_ID))]
        self.tg.write(obj([*chat, ("messages", "[")], 1)[:-2])  # the messages stream in
        self.wa.write(f"{stamps(START)[1]} - {E2E}\n")
        self.mid = 1
        created = [*actor(self.admin, "create_group"), ("title", dump(GROUP)), ("members", "[]")]
        self.emit("service", created + NO_TEXT, f'{self.admin[3]} created group "{GROUP}"')
        for i in range(1, n):
            self.mid += 1 if rng.random() < 0.97 else rng.randint(2, 4)  # deleted ones: gaps
            self.ts += rng.randint(1, 90)
            if rng.random() < 0.015:
                self.service()
            else:
                self.post(senders[i])
        self.tg.write("\n ]\n}")
        return self.counts

    def service(self) -> None:
        """A membership service message: added, joined by link, left, or removed."""
        rng, admin, member = self.rng, self.admin, self.rng.choice(self.members)
        r = rng.random()
        if r < 0.4:
            added = rng.sample(self.members, rng.randint(1, 2))
            names = arr([dump(m[0]) for m in added])
            fields = [*actor(admin, "invite_members"), ("members", names)]
            line = f"{admin[3]} added " + " and ".join(m[3] for m in added)
        elif r < 0.7:
            fields = [*actor(member, "join_group_by_link"), ("inviter", dump(admin[0]))]
            line = f"{member[3]} joined using this group's invite link"
        else:
            who = member if r < 0.9 else admin
            fields = [*actor(who, "remove_members"), ("members", arr([dump(member[0])]))]
            line = f"{member[3]} left" if who is member else f"{admin[3]} removed {member[3]}"
        self.emit("service", fields + NO_TEXT, line)

    def post(self, who: tuple) -> None:
        """A message: sometimes edited, a reply (20%), with mentions/links (8%)."""
        rng, counts, fields = self.rng, self.counts, []
        if rng.random() < 0.03:
            edited = self.ts + rng.randint(30, 600)
            fields += [("edited", dump(stamps(edited)[0])), ("edited_unixtime", dump(str(edited)))]
            counts["edited"] += 1
        fields += [("from", dump(who[0])), ("from_id", dump(who[1]))]
        if rng.random() < 0.2:
            fields.append(("reply_to_message_id", str(rng.choice(self.recent))))
            counts["replies"] += 1
        rich = rng.random() < 0.08
        text, body = rng.choice(self.rich if rich else self.plain)
        counts["entities"] += rich
        self.emit("message", fields + text, f"{who[3]}: {body}")
        self.recent.append(self.mid)
