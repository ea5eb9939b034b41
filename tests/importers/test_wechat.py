"""WeChat importers: MemoTrace CSV and TXT, PyWxDump CSV, and their system messages.

The fixtures are hand-written from FORMATS.md (see tests/fixtures/wechat/README.md);
each tells the same story of one group on 2024-03-01 in Asia/Shanghai. Bad input,
sniffing and corrupted files are in test_wechat_bad_input.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

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
    MessageKind,
    MessagePosted,
)
from shequn.importers import wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump
from shequn.importers import wechat_system as system
from tests.importers.wechat_helpers import CSV_NAME, HEADER, PYWX_NAME, TXT_NAME, TZ, run

WANG = Actor(id="wxid_wangfang", name="王芳")
LI = Actor(id="wxid_lilei", name="李雷")
HAN = Actor(id="wxid_hanmeimei", name="韩梅梅")
ZHAO = Actor(id="wxid_zhaolei", name="赵磊")
ME = Actor(id="wxid_me", name="小陈")
ZHOU = Actor(id="wxid_zhouqiang", name="周强")
SUN = Actor(id="wxid_sunyue", name="孙悦")


def at(hms: str, day: str = "2024-03-01") -> datetime:
    return datetime.fromisoformat(f"{day} {hms}").replace(tzinfo=TZ).astimezone(UTC)


def by_name(name: str) -> Actor:
    return Actor(id=name, name=name)


# --- MemoTrace CSV ------------------------------------------------------------------


def _csv_message(event_id: str, hms: str, actor: Actor | None, **kw: object) -> MessagePosted:
    return MessagePosted(
        platform="wechat",
        group="27",
        group_name="技术交流群",
        event_id=event_id,
        at=at(hms),
        actor=actor,
        **kw,  # type: ignore[arg-type]
    )


def _csv_event(
    cls: type[Event], event_id: str, hms: str, actor: Actor | None, **kw: object
) -> Event:
    return cls(
        platform="wechat",
        group="27",
        group_name="技术交流群",
        event_id=event_id,
        at=at(hms),
        actor=actor,
        **kw,
    )


def expected_memotrace_csv() -> list[Event]:
    m, e = _csv_message, _csv_event
    invite, qr = JoinHow.INVITE, JoinHow.QR
    return [
        m("101", "10:00:00", WANG, text="大家好，今天的分享会晚上八点开始"),
        e(
            MemberJoined,
            "102.0",
            "10:01:00",
            WANG,
            member=by_name("李雷"),
            how=invite,
            inviter=WANG,
        ),
        e(
            MemberJoined,
            "102.1",
            "10:01:00",
            WANG,
            member=by_name("韩梅梅"),
            how=invite,
            inviter=WANG,
        ),
        e(
            MemberJoined,
            "103",
            "10:02:00",
            by_name("赵磊"),
            member=by_name("赵磊"),
            how=qr,
            inviter=WANG,
        ),
        e(
            MemberJoined,
            "104",
            "10:03:00",
            system.SELF,
            member=by_name("孙悦"),
            how=invite,
            inviter=system.SELF,
        ),
        m("105", "10:05:00", LI, text="大家好，我是李雷"),
        m("106", "10:06:00", WANG, text="欢迎新朋友！\n群规：\n1. 不发广告\n2. 友善交流"),
        m("107", "10:07:00", HAN, kind=MessageKind.IMAGE),
        m("108", "10:08:00", ZHAO, kind=MessageKind.VOICE),
        m("109", "10:09:00", HAN, text="欢迎欢迎", reply_to="105"),
        m("110", "10:10:00", WANG, kind=MessageKind.RED_PACKET),
        m("112", "10:12:00", ME, text="谢谢红包！"),
        e(GroupRenamed, "113", "10:15:00", WANG, new_name="Python 技术交流群"),
        m("114", "10:20:00", ZHAO, kind=MessageKind.STICKER),
        e(MemberLeft, "115", "10:25:00", WANG, member=ZHAO, how=LeaveHow.REMOVED),
        e(MemberJoined, "118", "10:30:00", WANG, member=ZHOU, how=invite, inviter=WANG),
        m(
            "120",
            "10:35:00",
            ZHOU,
            text="@王芳\u2005谢谢邀请",
            mentions=(Mention(WANG.id, "王芳"),),
        ),
        m("121", "10:40:00", WANG, kind=MessageKind.FILE, text="分享会讲义.pdf"),
        m("122", "10:41:00", LI, kind=MessageKind.LINK, text="Python 3.12 有什么新变化"),
        m("123", "10:45:00", LI, kind=MessageKind.VIDEO),
        m("125", "10:51:00", HAN, text='他说："好的, 明天见"'),
        m("126", "10:52:00", SUN),
    ]


def test_memotrace_csv_events_exactly(fixtures: Path) -> None:
    events, options = run(wechat_memotrace, fixtures / "wechat" / CSV_NAME)
    assert events == expected_memotrace_csv()
    assert options.skipped == {
        "red packet notice": 1,
        "recall without message id": 2,
        "recall names a MsgSvrID, not this export's ids": 1,
        "wechat call": 1,
    }


def test_memotrace_csv_gbk_reads_the_same(fixtures: Path, tmp_path: Path) -> None:
    source = fixtures / "wechat" / CSV_NAME
    gbk = tmp_path / CSV_NAME
    gbk.write_bytes(source.read_text(encoding="utf-8-sig").encode("gb18030"))
    assert run(wechat_memotrace, gbk)[0] == expected_memotrace_csv()


def test_memotrace_csv_keeps_carriage_returns_inside_fields(tmp_path: Path) -> None:
    path = tmp_path / "chat.csv"
    row = '1,5,1,0,0,1709258400,3,"第一行\r\n第二行  ",2024-03-01 10:00:00,,甲,wxid_a\r\n'
    path.write_bytes(HEADER + row.encode())
    (event,) = run(wechat_memotrace, path)[0]
    assert isinstance(event, MessagePosted)
    assert event.text == "第一行\r\n第二行  "
    assert event.at == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


# --- MemoTrace TXT ------------------------------------------------------------------


def test_memotrace_txt_events(fixtures: Path) -> None:
    events, options = run(wechat_memotrace_txt, fixtures / "wechat" / TXT_NAME)
    assert {e.group for e in events} == {"技术交流群"}
    posts = [e for e in events if isinstance(e, MessagePosted)]
    by_text = {p.text: p for p in posts}
    wang, li = by_name("王芳"), by_name("李雷")
    assert events[1] == MemberJoined(
        platform="wechat",
        group="技术交流群",
        group_name="技术交流群",
        event_id=events[1].event_id,
        at=at("10:01:00"),
        actor=wang,
        member=li,
        how=JoinHow.INVITE,
        inviter=wang,
    )
    assert isinstance(events[2], MemberJoined) and events[2].member == by_name("韩梅梅")
    assert events[1].event_id != events[2].event_id
    qr = events[3]
    assert isinstance(qr, MemberJoined)
    assert (qr.member, qr.how, qr.inviter, qr.actor) == (
        by_name("赵磊"),
        JoinHow.QR,
        wang,
        qr.member,
    )
    assert isinstance(events[4], MemberJoined) and events[4].inviter == system.SELF
    # multi-line with an empty line inside, kept whole
    rules = "欢迎新朋友！\n群规：\n\n1. 不发广告\n2. 友善交流"
    assert by_text[rules].actor == wang
    assert by_text["欢迎欢迎"].reply_to == by_text["大家好，我是李雷"].event_id
    assert by_text["收到"].reply_to == by_text[rules].event_id
    assert by_text["[红包]"].kind is MessageKind.RED_PACKET
    assert by_text["[图片]"].kind is MessageKind.IMAGE
    assert by_text["[语音]"].kind is MessageKind.VOICE
    assert by_text["[表情包]"].kind is MessageKind.STICKER
    link = next(p for p in posts if p.kind is MessageKind.LINK)
    assert link.text.startswith("            [链接]:title:Python 3.12")
    assert link.text.endswith("name:None\n            ")
    plus = [p for p in posts if p.text == "+1"]
    assert len(plus) == 2 and plus[0].event_id != plus[1].event_id
    assert by_text["谢谢红包！"].at == at("10:12:00")
    renamed = [e for e in events if isinstance(e, GroupRenamed)]
    assert [(r.new_name, r.actor) for r in renamed] == [("Python 技术交流群", wang)]
    left = [e for e in events if isinstance(e, MemberLeft)]
    assert [(e.member, e.actor, e.how) for e in left] == [(by_name("赵磊"), wang, LeaveHow.REMOVED)]
    assert options.skipped == {"recall without message id": 2, "red packet notice": 1}


def _synthetic_txt(path: Path) -> None:
    blocks = []
    for i in range(200):
        second = i // 4  # four messages per second, some identical
        stamp = f"2024-03-02 09:{second // 60:02d}:{second % 60:02d}"
        body = "好的" if i % 4 < 2 else f"第{i}条\n\n第二段"
        blocks.append(f"{stamp} 成员{i % 3}\n{body}\n")
        if i % 25 == 0:
            blocks.append(f'{stamp} "成员0"邀请"新人{i}"加入了群聊\n')
    path.write_text("\n".join(blocks) + "\n", encoding="utf-8")


@pytest.mark.parametrize("source", ["fixture", "synthetic"])
def test_memotrace_txt_overlap_gives_same_ids(fixtures: Path, tmp_path: Path, source: str) -> None:
    full = tmp_path / "full" / "群.txt"
    full.parent.mkdir()
    if source == "fixture":
        full.write_bytes((fixtures / "wechat" / TXT_NAME).read_bytes())
    else:
        _synthetic_txt(full)
    lines = full.read_text(encoding="utf-8").split("\n")
    part = tmp_path / "part" / "群.txt"
    part.parent.mkdir()
    part.write_text("\n".join(lines[: len(lines) * 6 // 10]), encoding="utf-8")
    whole = {e.event_id: e for e in run(wechat_memotrace_txt, full)[0]}
    head = run(wechat_memotrace_txt, part)[0][:-1]  # the last block may be cut
    assert len(head) > 10
    for event in head:
        assert whole[event.event_id] == event


# --- PyWxDump CSV -------------------------------------------------------------------


def test_pywxdump_events(fixtures: Path) -> None:
    events, options = run(wechat_pywxdump, fixtures / "wechat" / PYWX_NAME)
    room = "27512345678@chatroom"
    assert {e.group for e in events} == {room}
    ids = {e.event_id: e for e in events}
    reply = ids["7012345678901234508"]
    assert isinstance(reply, MessagePosted)
    assert (reply.text, reply.reply_to) == ("欢迎欢迎", "7012345678901234504")
    assert reply.actor == Actor(id="wxid_hanmeimei")
    assert reply.at == at("10:09:00")
    wang = by_name("王芳")
    assert ids["7012345678901234502.0"] == MemberJoined(
        platform="wechat",
        group=room,
        event_id="7012345678901234502.0",
        at=at("10:01:00"),
        actor=wang,
        member=by_name("李雷"),
        how=JoinHow.INVITE,
        inviter=wang,
    )
    qr = ids["7012345678901234503"]
    assert isinstance(qr, MemberJoined) and (qr.how, qr.inviter) == (JoinHow.QR, wang)
    assert ids["7012345678901234516"] == MessageDeleted(
        platform="wechat",
        group=room,
        event_id="7012345678901234516",
        at=at("10:26:00"),
        actor=by_name("李雷"),
        message_id="7012345678901234510",
    )
    mine = ids["7012345678901234512"]
    assert isinstance(mine, MessagePosted) and mine.actor == system.SELF
    kinds = {e.event_id[-2:]: e.kind for e in events if isinstance(e, MessagePosted)}
    assert kinds["06"] is MessageKind.IMAGE and kinds["07"] is MessageKind.VOICE
    assert kinds["11"] is MessageKind.RED_PACKET and kinds["14"] is MessageKind.STICKER
    assert kinds["18"] is MessageKind.LINK
    multi = ids["7012345678901234505"]
    assert isinstance(multi, MessagePosted) and multi.text.count("\n") == 3
    assert isinstance(ids["7012345678901234513"], GroupRenamed)
    assert isinstance(ids["7012345678901234515"], MemberLeft)
    assert options.skipped == {"pywxdump type 未知": 1, "pywxdump type 拍一拍": 1}


# --- system messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "actor", "members", "how"),
    [
        ('"A"邀请"B"加入了群聊', "join", "A", ("B",), JoinHow.INVITE),
        ('"A"邀请"B、C、D"加入了群聊', "join", "A", ("B", "C", "D"), JoinHow.INVITE),
        ('"A"邀请"B"、"C"加入了群聊', "join", "A", ("B", "C"), JoinHow.INVITE),
        ('你邀请"B"加入了群聊', "join", "你", ("B",), JoinHow.INVITE),
        ('"A"邀请你和"B"加入了群聊', "join", "A", ("你", "B"), JoinHow.INVITE),
        ('"A"邀请你加入了群聊，群聊参与人还有：C、D', "join", "A", ("你",), JoinHow.INVITE),
        ('"B"通过扫描"A"分享的二维码加入群聊', "join", "A", ("B",), JoinHow.QR),
        ('"B"通过扫描你分享的二维码加入群聊', "join", "你", ("B",), JoinHow.QR),
        ("你通过扫描二维码加入群聊，群聊参与人还有：A、B", "join", "", ("你",), JoinHow.QR),
        ('"A"将"B"移出了群聊', "remove", "A", ("B",), JoinHow.UNKNOWN),
        ('你将"B"移出了群聊', "remove", "你", ("B",), JoinHow.UNKNOWN),
        ('你被"A"移出群聊', "remove", "A", ("你",), JoinHow.UNKNOWN),
        ('"A"撤回了一条消息', "recall", "A", (), JoinHow.UNKNOWN),
        ('"A" 撤回了一条消息', "recall", "A", (), JoinHow.UNKNOWN),
        ("你撤回了一条消息", "recall", "你", (), JoinHow.UNKNOWN),
        ("你领取了王芳的红包", "red_packet", "", (), JoinHow.UNKNOWN),
        ('"A"与群里其他人都不是朋友关系，请注意隐私安全', "unknown", "", (), JoinHow.UNKNOWN),
    ],
)
def test_system_texts(
    text: str, kind: str, actor: str, members: tuple[str, ...], how: JoinHow
) -> None:
    notice = system.parse(text, system.NameBook())
    assert (notice.kind, notice.actor, notice.members, notice.how) == (kind, actor, members, how)


def test_system_rename_and_known_name_with_separator() -> None:
    notice = system.parse('"A"修改群名为"读书会 "第二期""', system.NameBook())
    assert (notice.kind, notice.actor, notice.new_name) == ("rename", "A", '读书会 "第二期"')
    book = system.NameBook()
    book.learn("wxid_x", "甲、乙")
    assert system.parse('"A"邀请"甲、乙"加入了群聊', book).members == ("甲、乙",)


def test_name_book_and_recent_index_stay_bounded() -> None:
    book = system.NameBook(limit=10)
    index = system.RecentIndex(limit=10)
    for i in range(1000):
        book.learn(f"wxid_{i}", f"名{i}")
        index.add(str(i), f"消息{i}", f"名{i}")
    assert book.actor("名999") == Actor(id="wxid_999", name="名999")
    assert book.actor("名0") == Actor(id="名0", name="名0")
    assert index.find("消息999", "名999") == "999"
    assert index.find("消息0") is None
    assert len(index._ids) <= 40
