"""QQ message-manager TXT importer, on hand-written fixtures (tests/fixtures/qq/README.md)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.events import (
    Actor,
    Event,
    JoinHow,
    LeaveHow,
    MemberJoined,
    MemberLeft,
    MessageKind,
    MessagePosted,
)
from shequn.importers import qq, slack, wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump
from shequn.importers.base import ImportFormatError, ImportOptions

TZ = ZoneInfo("Asia/Shanghai")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GROUP = "Python学习交流群"
TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def run(path: Path, **kwargs: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(tz=TZ, **kwargs)  # type: ignore[arg-type]
    return list(qq.read(path, options)), options


def post(event_id: str, hms: str, actor: Actor, text: str, kind: MessageKind) -> MessagePosted:
    return MessagePosted(
        platform="qq",
        group=GROUP,
        group_name=GROUP,
        event_id=event_id,
        at=at(f"2023-05-01 {hms}"),
        actor=actor,
        kind=kind,
        text=text,
    )


def joined(
    event_id: str, hms: str, actor: Actor, member: Actor, inviter: Actor | None = None
) -> MemberJoined:
    return MemberJoined(
        platform="qq",
        group=GROUP,
        group_name=GROUP,
        event_id=event_id,
        at=at(f"2023-05-01 {hms}"),
        actor=actor,
        member=member,
        how=JoinHow.INVITE if inviter else JoinHow.UNKNOWN,
        inviter=inviter,
    )


def left(event_id: str, hms: str, actor: Actor | None, member: Actor, how: LeaveHow) -> MemberLeft:
    return MemberLeft(
        platform="qq",
        group=GROUP,
        group_name=GROUP,
        event_id=event_id,
        at=at(f"2023-05-01 {hms}"),
        actor=actor,
        member=member,
        how=how,
    )


def test_utf8_file_events_exactly(fixtures: Path) -> None:
    events, options = run(fixtures / "qq" / "group_utf8.txt")
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids) == 13
    owner = Actor(id="10001234", name="老王", role="owner")
    admin = Actor(id="40004567", name="阿强", role="admin")
    li, zhang = Actor(id="20002345", name="小李"), Actor(id="30003456", name="小张")
    wang = Actor(id="10001234", name="老王")
    T, IMAGE = MessageKind.TEXT, MessageKind.IMAGE
    mei = Actor(id="xiaomei@example.com", name="小美", role="学习委员")
    assert events == [
        post(
            ids[0], "09:01:02", owner, "欢迎大家加入Python学习交流群！\n进群请改备注：城市-昵称", T
        ),
        joined(ids[1], "09:01:30", li, li),
        joined(ids[2], "09:02:10", wang, zhang, inviter=wang),
        post(ids[3], "09:03:00", li, "大家好，新人报到\n请多关照", T),
        post(ids[4], "09:03:45", admin, "[图片]", IMAGE),
        post(ids[5], "09:04:00", zhang, "[表情]", MessageKind.STICKER),
        post(ids[6], "09:05:12", mei, "今天的作业：\n\n1. 列表推导式\n2. 生成器", T),
        post(ids[7], "09:06:00", admin, "看这个[图片]很有意思", T),
        left(ids[8], "09:10:00", None, Actor(id="50005678", name="小赵"), LeaveHow.REMOVED),
        left(ids[9], "09:12:00", zhang, zhang, LeaveHow.LEFT),
        post(ids[10], "09:15:00", li, "+1", T),
        post(ids[11], "09:15:00", li, "+1", T),
        post(ids[12], "10:20:00", wang, "今晚八点直播，不见不散", T),
    ]
    assert options.skipped == {"qq system message not recognised": 1}


def test_gbk_file_is_decoded(fixtures: Path) -> None:
    path = fixtures / "qq" / "group_gbk.txt"
    assert b"\r\n" in path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    events, _ = run(path)
    assert {e.group for e in events} == {"广州摄影爱好者"}
    first, joined, second, sticker, removed = events
    assert isinstance(first, MessagePosted) and first.text == "本周六去越秀公园扫街，报名接龙"
    assert first.actor == Actor(id="11112222", name="阿光", role="owner")
    assert first.at == datetime(2022, 11, 5, 6, 0, 1, tzinfo=UTC)
    assert isinstance(joined, MemberJoined) and joined.member == Actor(id="33334444", name="小林")
    assert isinstance(second, MessagePosted) and second.text == "报名：莉莉\n小林也来吗？"
    assert second.actor == Actor(id="55556666", name="莉莉", role="admin")
    assert isinstance(sticker, MessagePosted) and sticker.kind is MessageKind.STICKER
    assert isinstance(removed, MemberLeft)
    assert (removed.member.id, removed.actor, removed.how) == (
        "77778888",
        Actor(id="11112222", name="阿光"),
        LeaveHow.REMOVED,
    )


def test_12_hour_times(fixtures: Path) -> None:
    events, _ = run(fixtures / "qq" / "group_12h.txt")
    assert [e.at for e in events] == [
        at("2023-06-10 20:43:38"),
        at("2023-06-10 23:59:59"),
        at("2023-06-11 00:05:00"),
        at("2023-06-11 12:30:15"),
        at("2023-06-11 13:02:03"),
    ]
    assert events[0].at == datetime(2023, 6, 10, 12, 43, 38, tzinfo=UTC)
    joined = events[3]
    assert isinstance(joined, MemberJoined)
    assert joined.inviter == Actor(id="12345678", name="书虫") and joined.how is JoinHow.INVITE
    assert isinstance(events[1], MessagePosted) and events[1].text == "读完了\n明天继续"


def test_group_option_overrides_the_name(fixtures: Path) -> None:
    events, _ = run(fixtures / "qq" / "group_12h.txt", group="book-club")
    assert {(e.group, e.group_name) for e in events} == {("book-club", "book-club")}


def test_several_chats_in_one_file(fixtures: Path, tmp_path: Path) -> None:
    first = (fixtures / "qq" / "group_utf8.txt").read_text(encoding="utf-8")
    second = (fixtures / "qq" / "group_12h.txt").read_text(encoding="utf-8")
    path = tmp_path / "all.txt"
    path.write_text(first + second.split("\n", 2)[2], encoding="utf-8")
    events, _ = run(path)
    assert [e.group for e in events] == [GROUP] * 13 + ["夜猫子读书会"] * 5
    last_of_first = events[12]
    assert (
        isinstance(last_of_first, MessagePosted) and last_of_first.text == "今晚八点直播，不见不散"
    )


def _synthetic(path: Path) -> None:
    blocks = []
    for i in range(300):
        second = i // 3
        stamp = f"2023-07-01 10:{second // 60:02d}:{second % 60:02d}"
        body = "收到" if i % 3 else f"第{i}条\n\n续"
        blocks.append(f"{stamp} 群友{i % 4}({10000 + i % 4 + 1})\n{body}\n")
        if i % 40 == 0:
            blocks.append(f"{stamp} 系统消息(10000)\n新人{i}({90000 + i})加入本群。\n")
    rule = "=" * 64
    header = f"{TITLE}\n\n{rule}\n消息分组:我的QQ群\n{rule}\n消息对象:测试群\n{rule}\n\n"
    path.write_text(header + "\n".join(blocks) + "\n", encoding="utf-8")


@pytest.mark.parametrize("source", ["group_utf8.txt", "group_gbk.txt", "synthetic"])
def test_overlap_gives_same_ids(fixtures: Path, tmp_path: Path, source: str) -> None:
    full = tmp_path / "full.txt"
    if source == "synthetic":
        _synthetic(full)
    else:
        full.write_bytes((fixtures / "qq" / source).read_bytes())
    lines = full.read_bytes().split(b"\n")
    part = tmp_path / "part.txt"
    part.write_bytes(b"\n".join(lines[: len(lines) * 6 // 10]))
    whole = {e.event_id: e for e in run(full)[0]}
    head = run(part)[0][:-1]  # the last message may be cut
    assert len(head) >= 2
    for event in head:
        assert whole[event.event_id] == event


BAD_FILES = {
    "empty": (b"", "byte 0"),
    "binary": (b"\x00\xff\x00binary" * 10, "byte 0"),
    "no-header": ("2023-05-01 9:01:02 老王(10001234)\n你好\n".encode(), "line 1"),
    "no-message-line": (f"{TITLE}\n消息对象:群\n\n随便写的一行\n".encode(), "line 4"),
    "bad-date": (f"{TITLE}\n\n2023-02-30 9:01:02 老王(10001234)\n你好\n".encode(), "line 3"),
    "bad-12h": (f"{TITLE}\n\n2023-02-03 13:01:02 PM 老王(10001234)\n你好\n".encode(), "line 3"),
}


@pytest.mark.parametrize(("content", "where"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input(tmp_path: Path, content: bytes, where: str) -> None:
    path = tmp_path / "qq.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as error:
        run(path)
    assert error.value.where == where
    assert str(path) in str(error.value)


def test_sniff_own_files_only(fixtures: Path) -> None:
    own = sorted((fixtures / "qq").glob("*.txt"))
    assert len(own) == 3
    others = sorted((fixtures / "wechat").glob("*.csv")) + sorted(
        (fixtures / "wechat").glob("*.txt")
    )
    for path in own + others:
        head = path.read_bytes()[: 64 * 1024]
        assert qq.sniff(path, head) == (path in own), path.name
    for path in own:
        head = path.read_bytes()[: 64 * 1024]
        for module in (wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump, slack):
            assert not module.sniff(path, head), (module.FORMAT, path.name)


def test_sniff_rejects_real_exports(real_data: Path) -> None:
    for path in [real_data / "slack" / "testarchive.zip", *(real_data / "whatsapp").glob("*")]:
        assert not qq.sniff(path, path.read_bytes()[: 64 * 1024])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["group_utf8.txt", "group_gbk.txt", "group_12h.txt"]),
    st.integers(min_value=0, max_value=4096),
    st.lists(st.tuples(st.integers(0, 4096), st.integers(0, 255)), max_size=4),
)
def test_corrupted_files_fail_cleanly(name: str, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray((FIXTURES / "qq" / name).read_bytes()[: cut % 4096 + 1])
    for position, value in flips:
        data[position % len(data)] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(bytes(data))
        try:
            for event in qq.read(path, ImportOptions(tz=TZ)):
                assert event.at.tzinfo is not None
        except ImportFormatError as error:
            assert error.path == str(path)
