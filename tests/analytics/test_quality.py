"""quality(): ads, red-packet bursts and idle chatter, each counted by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from shequn.analytics.metrics.quality import quality
from tests.analytics.build import T0, frames, member, msg

LONG = "这是一段超过十五个字的重复广告文案快来看看"  # 21 characters
FOURTEEN = "一二三四五六七八九十一二三四"  # 14 characters: too short to count as a copy
OTHER = "另外一段也超过了十五个字的普通的消息内容"
GREETING = "大家早上好！今天也要元气满满加油加油"  # 18 characters


def day(n: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=n, hours=hours)


def test_ads_by_hand() -> None:
    members = [
        member(1, day(-30)),  # an old member
        member(5, day(0)),  # a newcomer from day 0
        member(7, day(-3), left_at=day(-1), left_how="left"),  # member 7's first stay …
        member(7, day(2)),  # … and second: both within 7 days of message 4
        member(8, day(-30)),  # an old member who repeats himself
    ]
    rows = [
        msg(1, 5, day(1), "加我微信 abc12345"),  # newcomer + WeChat id → ad
        msg(2, 5, day(8), "看 https://x.cn/a"),  # a URL, but 8 days after joining → not
        msg(3, 1, day(1), "https://x.com/b 值得一看"),  # an old member's link → not
        msg(4, 7, day(2, 1), "电话13812345678"),  # newcomer + mobile number → ad (once)
        msg(5, 7, day(3), "", kind="link"),  # newcomer + a link message → ad
        msg(6, 7, day(3, 1), "今天天气不错"),  # newcomer, harmless → not
        msg(7, 8, day(4), LONG),
        msg(8, 8, day(5), LONG),
        msg(9, 8, day(6), LONG),  # the same long text 3 times → 3 ads
        msg(10, 1, day(4), FOURTEEN),
        msg(11, 1, day(5), FOURTEEN),
        msg(12, 1, day(6), FOURTEEN),  # 3 times but only 14 characters → not
        msg(13, 1, day(7), OTHER),
        msg(14, 1, day(8), OTHER),  # a long text only twice → not
    ]
    result = quality(frames(rows, members, until=day(14)))
    assert result.evidence["ads"] == [1, 4, 5, 7, 8, 9]
    assert result.evidence["advertisers"] == [5, 7, 8]
    value = result.value
    assert value["messages"] == 14 and value["ads"] == 6 and value["advertisers"] == 3
    assert value["ad_share"] == 0.4286  # 6 / 14
    json.dumps([result.value, result.evidence])


def test_operators_and_shared_phrases_are_not_ads() -> None:
    members = [
        member(1, day(0), role="owner"),  # the owner joins with the group …
        member(2, day(0)),
        member(3, day(0)),
    ]
    rows = [
        msg(1, 1, day(1), "群资料 https://x.cn/doc"),  # … and posts a link in week 1 → not
        msg(2, 1, day(2), "", kind="link"),
        *[msg(10 + n, 1, day(n), LONG) for n in range(3)],  # the owner's column → not
        *[msg(20 + n, 2, day(n), GREETING) for n in range(3)],  # 2 and 3 both say it daily
        *[msg(30 + n, 3, day(n), GREETING) for n in range(3)],  # → a shared phrase, not ads
    ]
    result = quality(frames(rows, members, until=day(14)))
    assert result.value["ads"] == 0 and result.evidence["advertisers"] == []


def test_red_packet_burst_by_hand() -> None:
    rows = [msg(n, 1, day(n // 2, 9 + n % 2)) for n in range(14)]  # days 0..6: 2 a day
    rows += [msg(100, 2, day(7, 12), "", kind="red_packet")]  # Mon 12 Jan 12:00
    for n, minute in enumerate([1, 2, 3, 4, 10]):  # 5 thank-yous, the last exactly at +10 min
        rows.append(msg(101 + n, 3, day(7, 12) + timedelta(minutes=minute), "谢谢老板"))
    rows.append(msg(106, 3, day(7, 12) + timedelta(minutes=10, seconds=1), "晚了"))
    rows += [msg(200, 2, day(8, 10), "", kind="red_packet")]  # Tue 13 Jan: only 4 in 10 min
    for n in range(4):
        rows.append(msg(201 + n, 3, day(8, 10) + timedelta(minutes=n + 1), "谢谢"))
    rows.append(msg(205, 3, day(8, 10) + timedelta(minutes=11), "哦"))
    rows.append(msg(300, 99, day(8, 11), "", kind="red_packet"))  # a bot's packet: ignored
    members = [member(1), member(2), member(3), member(99, is_bot=True)]
    result = quality(frames(rows, members, until=day(10)))
    assert result.value["red_packets"] == 2 and result.value["bursts"] == 1
    # before: days 5..11 Jan hold 2 messages each → 14 / 7 = 2.0
    # after: 13 Jan holds 1 packet + 4 + 1 = 6 messages, 14 Jan none → (6 + 0) / 2 = 3.0
    assert result.evidence["bursts"] == [
        {
            "message_id": 100,
            "at": "2026-01-12T12:00:00+00:00",
            "thanks": 5,
            "before_per_day": 2.0,
            "after_per_day": 3.0,
        }
    ]


def test_burst_at_the_window_edges_has_no_rates() -> None:
    rows = [msg(1, 1, day(0, 1), "", kind="red_packet")]
    rows += [msg(2 + n, 2, day(0, 1) + timedelta(minutes=n + 1), "谢谢") for n in range(5)]
    result = quality(frames(rows, [member(1), member(2)], until=day(1)))
    (burst,) = result.evidence["bursts"]
    assert burst["thanks"] == 5
    assert burst["before_per_day"] is None and burst["after_per_day"] is None


def test_idle_chatter_by_hand() -> None:
    texts = [
        ("哈哈哈哈哈哈", "text"),  # laughter → idle
        ("好的", "text"),  # under 5 characters → idle
        ("", "sticker"),  # a sticker → idle
        ("", "image"),  # an image is content → not
        ("[微笑][微笑]", "text"),  # emoticon codes → idle
        ("今天我们讨论一下用户留存", "text"),  # a real sentence → not
        ("hhhhhh", "text"),  # laughter → idle
        ("666666", "text"),  # → idle
        ("谢谢老板！！", "text"),  # stock reply and punctuation → idle
    ]
    rows = [msg(n, 1, day(0, n), text, kind=kind) for n, (text, kind) in enumerate(texts)]
    value = quality(frames(rows, [member(1)])).value
    assert value["idle_share"] == 0.7778  # 7 of 9
    assert value["ads"] == 0 and value["bursts"] == 0


def test_empty_window_and_group_of_one() -> None:
    result = quality(frames([], []))
    assert result.value == {
        "messages": 0,
        "ads": 0,
        "ad_share": None,
        "advertisers": 0,
        "red_packets": 0,
        "bursts": 0,
        "idle_share": None,
    }
    assert result.evidence == {"ads": [], "advertisers": [], "bursts": []}
    one = quality(frames([msg(1, 1, day(0), "大家好，我是新来的")], [member(1)])).value
    assert one["messages"] == 1 and one["ad_share"] == 0.0 and one["idle_share"] == 0.0
