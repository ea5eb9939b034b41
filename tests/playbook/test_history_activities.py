"""Check-ins and 接龙 read back from a stored group, and the ``shequn activities`` command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from shequn.chat.ingest import ingest
from shequn.cli import main
from shequn.community.models import Community, Group
from shequn.events import Actor, MessageDeleted, MessageKind, MessagePosted
from shequn.playbook.activities import ActivitiesError, read_activities

pytestmark = pytest.mark.store

SHANGHAI = ZoneInfo("Asia/Shanghai")
_n = 0


def bj(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026, Beijing wall clock, as the UTC instant the store keeps."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def said(who: str, at: datetime, text: str, **extra: object) -> MessagePosted:
    global _n
    _n += 1
    return MessagePosted(
        platform="test",
        group="g1",
        group_name="晨跑打卡群",
        event_id=f"m{_n}",
        at=at,
        actor=Actor(id=who, name=f"成员{who}", is_bot=bool(extra.pop("bot", False))),
        text=text,
        **extra,  # type: ignore[arg-type]
    )


def jielong(*names: str) -> str:
    return "#接龙\n周六香山爬山\n\n" + "\n".join(f"{n}. {x}" for n, x in enumerate(names, 1))


def history() -> list[MessagePosted | MessageDeleted]:
    """a: 23:30 and 00:30 Beijing (one UTC day), then 07:00 — three Beijing days running."""
    recalled = said("b", bj(3, 8), "打卡 第1天")
    return [
        said("a", bj(1, 23, 30), "打卡 第1天"),
        said("a", bj(2, 0, 30), "打卡 第2天"),
        said("a", bj(2, 9), "打卡"),  # a second check-in the same Beijing day
        said("b", bj(2, 10), "今天忘了打卡了"),
        said("c", bj(2, 12), "打卡这个功能怎么用？"),
        said("a", bj(3, 7), "签到✅ 第3天"),
        said("c", bj(3, 7, 30), "今日打卡✅", kind=MessageKind.IMAGE),
        said("bot", bj(3, 7, 40), "打卡", bot=True),
        recalled,
        MessageDeleted(
            platform="test",
            group="g1",
            event_id="del1",
            at=bj(3, 8, 1),
            actor=Actor(id="b"),
            message_id=recalled.event_id,
        ),
        said("a", bj(4, 9), jielong("成员a")),
        said("b", bj(4, 9, 5), jielong("成员a", "成员b +1")),
        said("c", bj(4, 23, 50), jielong("成员a", "成员b +1", "成员c")),
    ]


@pytest.fixture
def group(community: Community) -> Group:
    community.time_zone = "Asia/Shanghai"
    community.save()
    ingest(history(), community)
    return Group.objects.get(external_id="g1")


def test_checkins_are_counted_per_beijing_day(group: Group) -> None:
    found = read_activities(group.pk, as_of=date(2026, 3, 3))
    by_name = {m.name: m for m in found.members}
    assert set(by_name) == {"成员a", "成员c"}  # b forgot, then recalled; bots never count
    a = by_name["成员a"].streaks
    assert (a.total, a.current, a.longest) == (3, 3, 3)
    assert a.days == (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))
    assert by_name["成员a"].times[1] == bj(2, 0, 30)  # the first of that day counts
    assert by_name["成员a"].points == 3
    assert by_name["成员c"].streaks.total == 1  # a photo with the keyword
    assert [r.member for r in found.leaderboard()] == ["成员a", "成员c"]


def test_the_community_zone_decides_the_day(group: Group) -> None:
    group.community.time_zone = "UTC"
    group.community.save()
    found = read_activities(group.pk, checkins=True, jielong=False, as_of=date(2026, 3, 2))
    a = next(m for m in found.members if m.name == "成员a").streaks
    # In UTC 23:30 and 00:30 Beijing are both March 1st, and 07:00 on the 3rd is the 2nd.
    assert a.days == (date(2026, 3, 1), date(2026, 3, 2))
    assert found.chains == []


def test_as_of_defaults_to_the_last_message_day(group: Group) -> None:
    found = read_activities(group.pk)
    assert found.as_of == date(2026, 3, 4)
    a = next(m for m in found.members if m.name == "成员a").streaks
    assert a.current == 3  # the 4th is not over without a check-in
    assert found.messages == len(history()) - 2  # the recalled one and its deletion


def test_jielong_latest_state_with_adders_in_local_time(group: Group) -> None:
    found = read_activities(group.pk, checkins=False)
    assert found.members == []
    [chain] = found.chains
    assert chain.title == "#接龙 周六香山爬山"
    rows = found.as_dict()["jielong"][0]["entries"]
    assert rows == [
        {"no": 1, "text": "成员a", "added_by": "成员a", "added_at": "2026-03-04 09:00"},
        {"no": 2, "text": "成员b +1", "added_by": "成员b", "added_at": "2026-03-04 09:05"},
        {"no": 3, "text": "成员c", "added_by": "成员c", "added_at": "2026-03-04 23:50"},
    ]


def test_group_keywords_come_from_its_settings(community: Community) -> None:
    ingest([said("a", bj(1, 6), "晨读 第1天"), said("b", bj(1, 7), "打卡")], community)
    group = Group.objects.get(external_id="g1")
    group.settings = {"checkin": {"keywords": ["晨读"]}}
    group.save()
    assert [m.name for m in read_activities(group.pk).members] == ["成员a"]


def test_unknown_group_and_bad_settings_are_clear_errors(community: Community) -> None:
    with pytest.raises(ActivitiesError, match="no group with id 999999"):
        read_activities(999999)
    ingest([said("a", bj(1, 6), "打卡")], community)
    group = Group.objects.get(external_id="g1")
    group.settings = {"checkin": {"keywords": []}}
    group.save()
    with pytest.raises(ActivitiesError, match="checkin"):
        read_activities(group.pk)


# --- the command ------------------------------------------------------------------


def test_command_prints_a_chinese_summary(
    group: Group, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LANGUAGE", raising=False)
    assert main(["activities", "--group", str(group.pk), "--as-of", "2026-03-03"]) == 0
    out = capsys.readouterr().out
    assert "截至 2026-03-03" in out
    assert "成员a — 连续 3 天（最长 3 天）" in out
    assert "「#接龙 周六香山爬山」 由 成员a 发起，3 人" in out
    assert "3. 成员c  (成员c, 2026-03-04 23:50)" in out


def test_command_in_english(
    group: Group, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    assert main(["activities", "--group", str(group.pk), "--checkins"]) == 0
    out = capsys.readouterr().out
    assert "成员a — streak 3 days (longest 3)" in out
    assert "Jielong" not in out


def test_command_json(group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["activities", "--group", str(group.pk), "--jielong", "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["checkins"] == [] and data["group"]["time_zone"] == "Asia/Shanghai"
    assert [e["added_by"] for e in data["jielong"][0]["entries"]] == ["成员a", "成员b", "成员c"]


def test_command_csv(group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANGUAGE", raising=False)
    out = tmp_path / "接龙.csv"
    assert main(["activities", "--group", str(group.pk), "--jielong", "--csv", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "接龙,序号,内容,添加人,添加时间"
    assert lines[2] == "#接龙 周六香山爬山,2,成员b +1,成员b,2026-03-04 09:05"
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    checkins = tmp_path / "c.csv"
    args = ["activities", "--group", str(group.pk), "--checkins", "--csv", str(checkins)]
    assert main([*args, "--as-of", "2026-03-03"]) == 0
    rows = checkins.read_text(encoding="utf-8-sig").splitlines()
    assert rows[1] == "成员a,3,3,3,3,3,2026-03-03"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--csv", "x.csv"], "--csv needs --checkins or --jielong"),
        (["--as-of", "2026-02-30"], "'2026-02-30' is not a date"),
        (["--jielong", "--csv", "/nonexistent-dir/x.csv"], "cannot write /nonexistent-dir/x.csv"),
    ],
)
def test_command_bad_input(
    group: Group, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["activities", "--group", str(group.pk), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_command_unknown_group(community: Community, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["activities", "--group", "424242"]) == 2
    captured = capsys.readouterr()
    assert "shequn activities: no group with id 424242" in captured.err
    assert captured.out == ""


def test_nothing_half_written_when_the_file_cannot_be_replaced(
    group: Group, tmp_path: Path
) -> None:
    target = tmp_path / "a-directory"
    target.mkdir()
    args = ["activities", "--group", str(group.pk), "--jielong", "--csv", str(target)]
    assert main(args) == 2
    assert list(tmp_path.iterdir()) == [target] and list(target.iterdir()) == []


def test_bj_helper_spans_one_utc_day() -> None:
    # The fixture's two late check-ins really are one UTC day apart by less than a day.
    assert bj(1, 23, 30).date() == bj(2, 0, 30).date()
    assert bj(2, 0, 30) - bj(1, 23, 30) == timedelta(hours=1)
