"""The daily digest as a pure function of hand-built frames: threads, keywords, credit, days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from shequn.analytics import digest_keywords
from shequn.analytics.digest import build_digest, day_window
from shequn.analytics.digest_keywords import keywords, words_of
from shequn.analytics.digest_load import ESSENCE_SCHEMA
from shequn.analytics.digest_text import digest_text
from shequn.analytics.frames import Frames
from shequn.analytics.report.build import with_inferred_replies
from tests.analytics.build import frames, member, minutes, msg

NO_ESSENCE = pl.DataFrame(schema=ESSENCE_SCHEMA)
DAY = date(2026, 1, 5)


def day_frames(messages: list[dict[str, Any]], people: int = 8, **extra: Any) -> Frames:
    members = [member(p) for p in range(1, people + 1)]
    built = frames(messages, members, since=minutes(0), until=minutes(24 * 60), **extra)
    return with_inferred_replies(built)


def reply(n: int, who: int, to: int, text: str = "同意", at: float | None = None) -> dict[str, Any]:
    """Message ``n`` by ``who`` replying explicitly to message ``to``."""
    return msg(n, who, minutes(at if at is not None else n * 10), text, reply_to=str(to))


# --- keywords -------------------------------------------------------------------------


def test_chinese_keywords_are_topics_not_fillers() -> None:
    said = [
        (1, "最近在研究向量数据库，大家有推荐的吗"),
        (2, "向量数据库我们用的是Milvus，性能不错"),
        (3, "大模型加向量数据库做知识库，效果很好"),
        (4, "哈哈哈，谢谢大家"),
        (5, "收到，谢谢"),
        (1, "大模型的推理成本还是太高"),
        (2, "大模型推理可以用量化"),
        (6, "早上好"),
        (7, "光伏光伏光伏"),  # one member repeating a word is not the group's topic
        (7, "光伏行业怎么样"),
    ]
    messages = pl.DataFrame({"person_id": [p for p, _ in said], "text": [t for _, t in said]})
    found = keywords(messages, limit=10)
    words = found["word"].to_list()
    assert set(words[:3]) == {"向量", "数据库", "模型"}  # jieba: 向量|数据库, 大|模型
    assert not {"哈哈哈", "谢谢", "收到", "大家", "早上好"} & set(words)
    assert "光伏" not in words  # only one speaker used it
    row = found.filter(pl.col("word") == "模型").row(0, named=True)
    assert (row["messages"], row["speakers"]) == (3, 3)


def test_words_of_drops_links_mentions_single_characters_and_stop_words() -> None:
    words = words_of("@张三 看看这个 https://example.com/a?b=1 的 Kubernetes 集群升级")
    assert "kubernetes" in words and "集群" in words
    assert not [w for w in words if "example" in w or "张三" in w or w in ("的", "看看")]
    assert words_of("The Kubernetes cluster upgrade is done, thanks!") == (
        "kubernetes",
        "cluster",
        "upgrade",
    )


def test_members_names_are_not_keywords() -> None:
    texts = ["王小明说得对，向量数据库很重要", "同意王小明，向量数据库", "王小明厉害"]
    messages = pl.DataFrame({"person_id": [1, 2, 3], "text": texts})
    assert "王小明" in keywords(messages)["word"].to_list()
    assert "王小明" not in keywords(messages, exclude={"王小明"})["word"].to_list()


# --- threads and ranking ----------------------------------------------------------------


def ranked_day() -> Frames:
    """Thread A (m1): 3 replies by 3 others; B (m10): 3 replies, 2 people; C (m20): 1 reply;
    D (m30): the author going on alone (no reply); E (m40): a reply to a message of yesterday."""
    rows = [
        msg(1, 1, minutes(60), "请问大家用什么做CRM？"),
        reply(2, 2, 1, at=61),
        reply(3, 3, 1, at=62),
        reply(4, 4, 2, at=63),  # answers m2, still thread A
        msg(10, 5, minutes(300), "周末徒步去香山吗"),
        reply(11, 6, 10, at=301),
        reply(12, 5, 11, at=302),
        reply(13, 6, 12, at=303),
        msg(20, 7, minutes(600), "分享一篇文章"),
        reply(21, 8, 20, at=601),
        msg(30, 3, minutes(900), "我再补充一点"),
        reply(31, 3, 30, "还有一点", at=901),
        msg(40, 2, minutes(1000), "接着昨天的话题", reply_to="old-1"),
    ]
    return day_frames(rows)


def test_threads_rank_by_replies_then_participants() -> None:
    digest = build_digest(ranked_day(), NO_ESSENCE, DAY, threads=5)
    openings = [t.opening.id for t in digest.threads]
    assert openings[:3] == [1, 10, 20]
    first, second, third = digest.threads[:3]
    assert (first.replies, first.participants, first.messages) == (3, 4, 4)
    assert (second.replies, second.participants) == (3, 2)
    assert (third.replies, third.participants) == (1, 2)
    assert 30 not in openings  # a speaker going on alone drew no reply
    assert first.names == ("成员1", "成员2", "成员3", "成员4")


def test_threads_limit_and_messages_counted() -> None:
    digest = build_digest(ranked_day(), NO_ESSENCE, DAY, threads=2)
    assert [t.opening.id for t in digest.threads] == [1, 10]
    assert (digest.messages, digest.speakers) == (13, 8)


def test_deleted_messages_and_bots_do_not_count() -> None:
    rows = [
        msg(1, 1, minutes(60), "问个问题"),
        reply(2, 2, 1, at=61),
        reply(3, 9, 1, "我是机器人", at=62),
        {**reply(4, 3, 1, at=63), "deleted_at": minutes(64)},
    ]
    members = [member(p) for p in (1, 2, 3)] + [member(9, is_bot=True)]
    built = frames(rows, members, since=minutes(0), until=minutes(24 * 60))
    digest = build_digest(with_inferred_replies(built), NO_ESSENCE, DAY)
    assert digest.messages == 2
    assert [(t.replies, t.participants) for t in digest.threads] == [(1, 2)]
    assert 9 not in {c.person_id for c in digest.credited}


# --- essence and credit ----------------------------------------------------------------


def essence_rows(*marks: tuple[int, int | None, str]) -> pl.DataFrame:
    """(message id, author person, text) marked by person 1 at noon."""
    rows = [
        {
            "message_external_id": str(m),
            "how": "command",
            "marked_at": minutes(12 * 60),
            "marked_by_person": 1,
            "marked_by_user": None,
            "id": m,
            "at": minutes(m * 10),
            "text": text,
            "person_id": who,
        }
        for m, who, text in marks
    ]
    return pl.DataFrame(rows, schema=ESSENCE_SCHEMA)


def test_members_are_credited_by_name_for_essence_threads_and_replies() -> None:
    essence = essence_rows((21, 8, "这篇文章的要点是…"))
    digest = build_digest(ranked_day(), essence, DAY, threads=3)
    credit = {c.name: c for c in digest.credited}
    assert (credit["成员8"].essence, credit["成员8"].replies, credit["成员8"].points) == (1, 1, 4)
    assert (credit["成员1"].threads, credit["成员1"].points) == (1, 2)
    assert (credit["成员6"].replies, credit["成员6"].points) == (2, 2)
    assert [(c.name, c.points) for c in digest.credited[:2]] == [("成员8", 4), ("成员5", 3)]
    assert [c.points for c in digest.credited] == sorted(
        (c.points for c in digest.credited), reverse=True
    )
    assert digest.essence[0].marked_by == "成员1"
    assert digest.essence[0].line is not None and digest.essence[0].line.name == "成员8"


def test_essence_of_a_message_not_stored_is_kept_without_a_line() -> None:
    essence = essence_rows((99, None, ""))
    essence = essence.with_columns(pl.lit(None, pl.Int64).alias("id"))
    digest = build_digest(ranked_day(), essence, DAY)
    assert [(e.message_id, e.line) for e in digest.essence] == [("99", None)]


# --- days ---------------------------------------------------------------------------------


def test_a_day_in_asia_shanghai_is_16_to_16_utc() -> None:
    window = day_window(date(2026, 3, 1), "Asia/Shanghai")
    assert window.since == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert window.until == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def test_a_day_when_clocks_change_is_23_hours() -> None:
    window = day_window(date(2026, 3, 8), "America/New_York")
    assert window.until - window.since == timedelta(hours=23)


def test_posted_text_quotes_one_line_per_thread() -> None:
    rows = [msg(1, 1, minutes(60), "第一行\n第二行" + "很长" * 40), reply(2, 2, 1, at=61)]
    digest = build_digest(day_frames(rows), essence_rows((1, 1, "第一行")), DAY)
    text = digest_text(digest)
    lines = text.splitlines()
    assert lines[0].startswith("【测试群") and "2026-01-05" in lines[0]
    thread = next(line for line in lines if line.startswith("1. "))
    assert "第一行 第二行" in thread and "…" in thread and len(thread) < 80
    assert "成员1" in lines[-1] and "成员2" in lines[-1]


def test_a_busy_day_counts_sampled_candidates_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past SAMPLE distinct texts, candidates come from a sample but counts are over every text."""
    topic = [(p % 7, f"第{p}次讨论向量数据库的索引") for p in range(60)]
    chatter = [(p % 5, f"今天天气{p}号不错，随便聊聊{p}") for p in range(60)]
    said = topic + chatter
    messages = pl.DataFrame({"person_id": [p for p, _ in said], "text": [t for _, t in said]})
    full = keywords(messages, limit=5)
    monkeypatch.setattr(digest_keywords, "SAMPLE", 10)
    sampled = keywords(messages, limit=5)
    assert sampled["word"].to_list() == full["word"].to_list()
    row = sampled.filter(pl.col("word") == "索引").row(0, named=True)
    assert (row["messages"], row["speakers"]) == (60, 7)  # exact, not scaled from the sample


def test_commands_to_a_bot_are_not_replies() -> None:
    rows = [msg(1, 1, minutes(60), "好文分享"), reply(2, 2, 1, "/精华", at=61)]
    rows += [reply(3, 3, 1, "/checkin", at=62), reply(4, 4, 1, "写得好", at=63)]
    digest = build_digest(day_frames(rows), NO_ESSENCE, DAY)
    assert [(t.replies, t.participants) for t in digest.threads] == [(1, 2)]
    assert digest.messages == 2
