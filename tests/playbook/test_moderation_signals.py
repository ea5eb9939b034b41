"""Ad signals in one message: each signal in Chinese and English, dodges, and what is not an ad.

Decisions recorded here (the module docstrings say why):
- e-mail addresses are not links; ``12345678@qq.com`` is a QQ contact;
- bare IPs, version numbers, dotted code and file names are not links;
- a 13-digit timestamp, a longer digit run, a price, a date or a time is not a phone;
- t.me/name (a channel) weighs less than an invitation; t.me/name/123 (a post) is a link;
- 微信 or 兼职 alone in an ordinary sentence never makes an ad.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from shequn.playbook.moderation import contacts
from shequn.playbook.moderation.keywords import keywords, segment
from shequn.playbook.moderation.links import find_links
from shequn.playbook.moderation.signals import WEIGHTS, Signal, find_signals, score
from shequn.playbook.moderation.text import compact, normalize

THRESHOLD = 4.0


def codes(text: str, kind: str = "text", **kw: object) -> set[str]:
    return {s.code for s in find_signals(text, kind, **kw)}  # type: ignore[arg-type]


def evidence(text: str, code: str, kind: str = "text") -> list[str]:
    return [s.evidence for s in find_signals(text, kind) if s.code == code]


def is_ad(text: str, kind: str = "text") -> bool:
    return score(find_signals(text, kind)) >= THRESHOLD


def plain(text: str) -> str:
    return compact(normalize(text))


# --- normalising --------------------------------------------------------------------


def test_normalize_full_width_zero_width_and_case() -> None:
    assert normalize("ＡＢＣ１２３\u200b：Ｗｗｗ") == "abc123:www"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138🔥1234🔥5678", "13812345678"),
        ("1️⃣3️⃣8️⃣", "138"),
        ("①③⑧", "138"),
        ("一三八一二三四五六七八", "13812345678"),
        ("hi 😀 there", "hi there"),
        ("abc。com", "abc.com"),
    ],
)
def test_compact_undoes_dodges(raw: str, expected: str) -> None:
    assert " ".join(plain(raw).split()) == expected


# --- links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://github.com/foo/bar.", "https://github.com/foo/bar"),
        ("访问abc.com/x了解", "abc.com/x"),
        ("t.me/xxx", "t.me/xxx"),
        ("www.x.cn", "www.x.cn"),
        ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "www.example.com"),
        ("go to help.ubuntu.com.", "help.ubuntu.com"),
        ("链接http://t.cn/12345看看", "http://t.cn/12345"),
        ("x.io/abc", "x.io/abc"),
        ("http://192.168.1.1:8080/a", "http://192.168.1.1:8080/a"),
        ("网址 abc点com", "abc.com"),
    ],
)
def test_links_found(text: str, link: str) -> None:
    assert [x.text for x in find_links(plain(text))] == [link]


@pytest.mark.parametrize(
    "text",
    [
        "use os.path.join(a, b)",
        "run python setup.py install",
        "see notes.md and main.cc",
        "upgrade to 1.2.3 or 2.6.32-5",
        "ping 192.168.1.1",
        "mail me at bob@example.com",
        "self.top = window.info",
        "x.io",
        "价格3.5元，12:30见，2024.01.15",
    ],
)
def test_not_links(text: str) -> None:
    assert find_links(plain(text)) == []


def test_link_kinds() -> None:
    assert codes("https://t.me/joinchat/AbC") == {"invite"}
    assert codes("加群 t.me/+AbCdEf") >= {"invite"}
    assert codes("chat.whatsapp.com/Ab12") == {"invite"}
    assert codes("discord.gg/xyz") == {"invite"}
    assert codes("https://qm.qq.com/q/abc") == {"invite"}
    assert codes("join https://discord.com/invite/abc") == {"invite"}
    assert codes("t.me/some_channel") == {"channel"}
    assert codes("https://t.me/dotnetcore_id/34404") == {"link"}
    assert codes("bit.ly/3abc") == {"short_link"}
    assert codes("wa.me/8613812345678") == {"contact_id"}
    assert codes("https://github.com/a/b") == {"link"}
    assert "invite" in codes("QQ群号：123456789")
    assert "invite" in codes("q群 123456789")
    assert "invite" not in codes("qq 123456789")


def test_allowed_domains_and_prefixes() -> None:
    assert codes("https://www.our.org/x", allowed_domains=["our.org"]) == set()
    assert codes("t.me/ourgroup", allowed_domains=["t.me/ourgroup"]) == set()
    assert codes("t.me/ourgroup2", allowed_domains=["t.me/ourgroup"]) == {"channel"}


def test_link_message_without_url_counts_once() -> None:
    assert codes("一篇好文章", kind="link") == {"link"}
    assert evidence("x https://a.com/1 and https://b.com/2", "link") == ["https://a.com/1"]


# --- phone numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "１３８　１２３４　５６７８",  # full-width digits and space
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "138🔥1234🔥5678",
        "1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣",
        "1 3 8 1 2 3 4 5 6 7 8",
        "一三八一二三四五六七八",
        "138\u200b1234\u200b5678",
        "call +1 (415) 555-2671",
        "whatsapp +491752088077",
    ],
)
def test_phone_numbers(text: str) -> None:
    assert contacts.phones(plain(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "1700000000000",  # a 13-digit millisecond timestamp
        "ts=1700000000123 ms",
        "13812345678901",  # too long
        "version 1.13.8",
        "ip 192.168.100.123",
        "价格 1380 元，12 月 13 日 13:45",
        "2024-01-15 13:45:12",
        "1 3 5 7 9 11 13",
        "sha 3f13812345678a",
        "13 81 23 45 67 8",
        "order 20240115138123",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert contacts.phones(plain(text)) == [], text


# --- WeChat / QQ ids and handles -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("加V：abc123", "abc123"),
        ("加v abc 123 456 详聊", "abc123456"),  # split by spaces
        ("微信 a😀b😀c😀1😀2😀3", "abc123"),  # split by emoji
        ("vx_12345", "12345"),
        ("加微信 vx_12345，链接", "vx_12345"),
        ("联系QQ 12345678", "12345678"),
        ("qq: 1234 5678", "12345678"),
        ("扣扣:987654321", "987654321"),
        ("微信号：wxid_abc123", "wxid_abc123"),
        ("加我微信13812345678", "13812345678"),
        ("薇信 abc888", "abc888"),
        ("12345678@qq.com", "12345678@qq.com"),
        ("skype: bob1979", "bob1979"),
        ("telegram: @abc_12", "abc_12"),
        ("contact me on telegram @crypto_king99", "crypto_king99"),
        ("Ｖ：ａｂｃ１２３", "abc123"),
    ],
)
def test_contact_ids(text: str, ident: str) -> None:
    found = contacts.contact_ids(plain(text))
    assert any(ident in f for f in found), (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "我在微信上看到一篇文章",
        "有qq群吗",
        "wx python 2.8",
        "libwx_gtk2u_xrc-2.5.so.3: cannot open shared object file",
        "signal strength 84% but disconnected",
        "divx and stage 6 movies",
        "drwx-w---- 2 www-data mailserver 4096",
        "wget -O skype_Ubuntu-current_amd64.deb",
        "x = {v: 12345}",
        "Mode #ubuntu +q d3bian!*@* by Seveas",
        "我的qq是 123",  # too short for a QQ number
        "error on line: 10234",
    ],
)
def test_not_contact_ids(text: str) -> None:
    assert contacts.contact_ids(plain(text)) == [], text


# --- contact cards and QR codes -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[名片]",
        "[个人名片] 张三",
        "推荐了一个名片",
        "Contact card omitted",
        "BEGIN:VCARD\nFN:Bob\nEND:VCARD",
        "bob.vcf",
        '<msg username="wxid_abc" nickname="x" bigheadimgurl="http://a"/>',
    ],
)
def test_contact_cards(text: str) -> None:
    assert "contact_card" in codes(text, "link")


def test_qr_images_need_an_image_and_words() -> None:
    assert "qr_image" in codes("扫码加我", "image")
    assert "qr_image" in codes("群二维码.jpg", "file")
    assert "qr_image" in codes("scan this QR code", "image")
    assert "qr_image" not in codes("[图片]", "image")
    assert "qr_image" not in codes("扫码支付很方便", "text")
    assert "qr_image" not in codes("business card.pdf", "file")


# --- keywords (jieba) ---------------------------------------------------------------


def strong(text: str) -> list[str]:
    return keywords().find(plain(text))[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("兼职刷单日赚300", ["兼职", "刷单", "日赚"]),
        ("兼 职 日 赚", ["兼职", "日赚"]),
        ("兼*职日结", ["兼职", "日结"]),
        ("加V详聊", ["加v"]),
        ("加我微信详聊", ["加v"]),
        ("+v了解", ["加v"]),
        ("加qq群", ["加v"]),
        ("可以加微信吗", ["加微信"]),
        ("高仿包包", ["高仿"]),
        ("扫码进群", ["扫码进群"]),
        ("兼職日賺", ["兼职", "日赚"]),  # traditional forms
        ("Work from home and earn money", ["work from home", "earn money"]),
        ("DM me for details", ["dm me"]),
    ],
)
def test_strong_keywords(text: str, words: list[str]) -> None:
    assert strong(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "身兼职务的人",  # 兼职 inside 身兼 / 职务
        "今日赚了不少",  # 日赚 across 今日 / 赚
        "我今日赚到了",
        "增加微信支付",  # 加微信 inside 增加
        "增加VIP通道",
        "今天参加微信活动",
        "这个月入职了",
        "今日结束了",
        "the free software foundation",
        "打扫码头",
    ],
)
def test_keywords_do_not_match_inside_words(text: str) -> None:
    assert strong(text) == []


def test_segmentation_keeps_ad_words_whole() -> None:
    assert segment(plain("兼职刷单日赚300，加V：abc123"))[:3] == ["兼职", "刷单", "日赚"]


def test_extra_and_allowed_keywords() -> None:
    words = keywords(("割韭菜", "crypto pump"), ("兼职",))
    strong_words, _weak = words.find(plain("教你割韭菜，兼职也行，join the crypto pump"))
    assert strong_words == ["割韭菜", "crypto pump"]


def test_weak_keywords() -> None:
    assert keywords().find(plain("我在微信上看到一篇文章"))[1] == ["微信"]


# --- the score ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "兼职刷单日赚300，加V：abc123",
        "出售各类高仿包包，需要的加微信 vx_12345，链接 http://t.cn/12345",
        "兼职日赚500",
        "加群 t.me/joinchat/AbCdEf",
        "加V：abc123",
        "电话 138 1234 5678 详情 http://abc.com/x",
        "Earn money from home! DM me on telegram: @rich_fast_99",
        "Work from home, daily profit guaranteed, click the link bit.ly/xx1",
    ],
)
def test_ads(text: str) -> None:
    assert is_ad(text), find_signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "我在微信上看到一篇文章",
        "我现在在做兼职，挺累的",
        "微信群里有人问这个问题",
        "see https://github.com/foo/bar/pull/12 and https://pastebin.com/abc",
        "https://launchpad.net/bugs/123456",
        "t.me/some_channel",  # a channel alone, from a member
        "我的电话是13812345678",  # a phone alone, from a member
        "my wechat is abc123, ping me after the talk",
        "python -c 'import os; print(os.path.join(a, b))'",
        "价格 1380 元，2024-01-15 13:45 见",
        "下午3点开会，微信通知大家",
    ],
)
def test_not_ads(text: str) -> None:
    assert not is_ad(text), find_signals(text)


def test_score_counts_each_code_once_and_keywords_twice() -> None:
    signals = [
        Signal("link", 1, "a"),
        Signal("link", 1, "b"),
        Signal("keyword", 2, "x"),
        Signal("keyword", 2, "y"),
        Signal("keyword", 2, "z"),
        Signal("keyword_weak", 0.5, "p"),
    ]
    assert score(signals) == 1 + 4 + 0.5


def test_weights_can_be_overridden() -> None:
    found = find_signals("https://a.com/x", weights={**WEIGHTS, "link": 5})
    assert [(s.code, s.weight) for s in found] == [("link", 5)]


def test_jieba_loads_lazily_and_quietly() -> None:
    """Latin text never loads the dictionary; Chinese loads it once, with nothing on stderr."""
    code = (
        "import sys\n"
        "from shequn.playbook.moderation.signals import find_signals\n"
        "find_signals('work from home, dm me')\n"
        "assert 'jieba' not in sys.modules\n"
        "assert [s.evidence for s in find_signals('兼职日赚')] == ['兼职', '日赚']\n"
        "assert 'jieba' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
