"""Reply inference on hand-built frames, and against the hand-annotated #ubuntu links.

Figures from ``bench/reply_inference.py`` (Kummerfeld et al. 2019 #ubuntu
annotations; rules designed on train, dev only reported). "strict": links
a -> b with a != b, right when b's inferred target is a; "with self": the same
plus the links b -> b (b starts a conversation), right when b gets no target.
"person": the inferred target's speaker is a's, over the strict links.

=====  ======  ==========  ======  ========  ==============  ========================
split  strict  with self   person  targeted  baseline strict  baseline with self
=====  ======  ==========  ======  ========  ==============  ========================
train  66.4%   67.7%       78.1%   85.1%     50.0%           42.9%
dev    62.4%   65.3%       73.5%   83.1%     47.0%           41.3%
=====  ======  ==========  ======  ========  ==============  ========================

The baseline is "mention or previous message" (the issue quotes about 42% for
it on dev, which is the with-self figure). infer_replies takes about 0.9-1.1 s
on 1,000,000 messages (the train logs repeated).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest

from shequn.analytics.replies import TARGET, TARGET_PERSON, infer_replies

T0 = datetime(2026, 1, 5, tzinfo=UTC)
ALICE, BOB, CAROL, DAVE, UBOT = 1, 2, 3, 4, 5
NAMES = pl.DataFrame(
    {
        "person_id": [ALICE, BOB, CAROL, DAVE, UBOT, DAVE],
        "name": ["alice", "Bob", "carol", "dave", "ubot", "Dr Who"],
    }
)
SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "group_id": pl.Int64(),
    "person_id": pl.Int64(),
    "at": pl.Datetime("us", "UTC"),
    "text": pl.String(),
    "reply_to_id": pl.Int64(),
    "mentioned": pl.List(pl.Int64),
}


def msg(n: int, person: int | None, minute: float, text: str, **extra: Any) -> dict[str, Any]:
    """Message ``n`` by ``person`` at T0 + ``minute`` minutes, in group 1 unless told."""
    return {
        "id": n,
        "group_id": extra.get("group", 1),
        "person_id": person,
        "at": T0 + timedelta(minutes=minute),
        "text": text,
        "reply_to_id": extra.get("reply_to_id"),
        "mentioned": extra.get("mentioned", []),
    }


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def targets(messages: pl.DataFrame, names: pl.DataFrame = NAMES) -> dict[int, int | None]:
    """id -> inferred target id."""
    out = infer_replies(messages, names)
    return dict(zip(out["id"].to_list(), out[TARGET].to_list(), strict=True))


def test_addressing_by_nick_answers_their_latest_message_to_me_or_to_no_one() -> None:
    result = targets(
        frame(
            msg(1, ALICE, 0, "how do I mount a usb stick?"),
            msg(2, CAROL, 0.5, "anyone know a good irc client?"),
            msg(3, BOB, 1, "alice: try pmount"),
            msg(4, BOB, 1.5, "carol, hexchat"),
            # case does not matter; bob's 4 went to carol, so alice thanks him for 3
            msg(5, ALICE, 2, "BOB: thanks, that works"),
            msg(6, DAVE, 2.5, "that was for you carol"),  # a name as the last word
            # a name with a space, before ':'; dave's only message was to carol: still his
            msg(7, ALICE, 3, "Dr Who: hi"),
        )
    )
    assert result == {1: None, 2: None, 3: 1, 4: 2, 5: 3, 6: 2, 7: 6}


def test_the_question_not_the_nudge_and_a_second_line_to_the_same_person() -> None:
    result = targets(
        frame(
            msg(1, ALICE, 0, "how can I list every installed package with its version number?"),
            msg(2, ALICE, 1, "anyone?"),
            msg(3, BOB, 2, "alice: dpkg -l"),  # 1, the question: long, recent, unanswered
            msg(4, BOB, 2.5, "alice: or apt list --installed"),  # goes on from his 3
            msg(5, CAROL, 20, "alice: did it work?"),  # 1 is too old now: her latest, 2
        )
    )
    assert result == {1: None, 2: 1, 3: 1, 4: 3, 5: 2}


def test_explicit_replies_win() -> None:
    messages = frame(
        msg(1, ALICE, 0, "question one"),
        msg(2, CAROL, 1, "other topic"),
        msg(3, BOB, 2, "alice: answer", reply_to_id=2),  # addressed to alice, but a reply to 2
        msg(4, BOB, 3, "an old thread", reply_to_id=99),  # target outside the frame
    )
    out = infer_replies(messages, NAMES)
    assert out[TARGET].to_list() == [None, None, 2, 99]
    assert out[TARGET_PERSON].to_list() == [None, None, CAROL, None]


def test_a_platform_reply_to_a_message_not_loaded_is_not_guessed() -> None:
    messages = frame(msg(1, ALICE, 0, "hi bob"), msg(2, BOB, 0.5, "alice: hello")).with_columns(
        pl.Series("reply_to", [None, "wx-msg-7"], pl.String),
        pl.Series("reply_person_id", [None, None], pl.Int64),
    )
    assert infer_replies(messages, NAMES)[TARGET].to_list() == [None, None]


def test_a_mention_addresses_its_person() -> None:
    result = targets(
        frame(
            msg(1, ALICE, 0, "anyone using zfs on root?"),
            msg(2, CAROL, 0.2, "what is the best terminal?"),
            msg(3, BOB, 1, "yes, works well here", mentioned=[ALICE]),
            msg(4, DAVE, 1.1, "same here", mentioned=[DAVE, CAROL]),  # oneself is skipped
        )
    )
    assert result[3] == 1 and result[4] == 2


def test_turn_taking_between_two_people() -> None:
    out = infer_replies(
        frame(
            msg(1, ALICE, 0, "my wifi drops every hour"),
            msg(2, BOB, 1, "alice: which driver?"),
            msg(3, ALICE, 2, "iwlwifi"),  # bob asked her since she last spoke
            msg(4, BOB, 3, "try disabling power saving"),  # his partner's latest
            msg(5, ALICE, 4, "that fixed it"),
        ),
        NAMES,
    )
    assert out[TARGET].to_list() == [None, 1, 2, 3, 4]
    assert out[TARGET_PERSON].to_list() == [None, ALICE, BOB, ALICE, BOB]


def test_continuations_and_fresh_topics() -> None:
    result = targets(
        frame(
            msg(1, CAROL, 0, "my screen flickers"),
            msg(2, CAROL, 0.5, "on an nvidia card"),  # continues 1
            msg(3, ALICE, 0.7, "lunch time"),
            msg(4, CAROL, 1.5, "driver 550"),  # still 2: a minute later, alice was not for her
            msg(5, DAVE, 40, "how do I change my hostname?"),  # a newcomer's question
            msg(6, CAROL, 60, "anyone?"),  # long after, and nobody talked to her
            msg(7, UBOT, 70, "hi all"),
            msg(8, UBOT, 70.5, "how do I install steam?"),  # after a greeting: a new topic
        )
    )
    assert result == {1: None, 2: 1, 3: None, 4: 2, 5: None, 6: None, 7: None, 8: None}


def test_a_bot_answers_the_command_not_the_addressed_person() -> None:
    result = targets(
        frame(
            msg(1, CAROL, 0, "my sound is gone"),
            msg(2, ALICE, 1, "!paste"),
            msg(3, UBOT, 1, "alice: paste at https://paste.example"),
            msg(4, BOB, 2, "!sound | carol"),
            msg(5, UBOT, 2, "carol: see https://help.example/sound"),
        )
    )
    assert result[3] == 2 and result[5] == 4


def test_groups_apart_system_lines_untouched_and_row_order_kept() -> None:
    messages = frame(
        msg(4, BOB, 1.2, "alice: df -h"),
        msg(3, None, 1, "alice joined"),
        msg(1, ALICE, 0, "my disk is full"),
        msg(2, BOB, 0.5, "alice: which disk?", group=2),  # alice never spoke in group 2
    )
    out = infer_replies(messages, NAMES)
    assert out["id"].to_list() == [4, 3, 1, 2]
    assert out[TARGET].to_list() == [1, None, None, None]


def test_empty_frame_and_no_names() -> None:
    out = infer_replies(frame(), NAMES)
    assert out.height == 0
    assert out.schema[TARGET] == pl.Int64 and out.schema[TARGET_PERSON] == pl.Int64
    nameless = pl.DataFrame(schema={"person_id": pl.Int64, "name": pl.String})
    result = targets(
        frame(msg(1, ALICE, 0, "hello bob"), msg(2, BOB, 1, "alice: hi", mentioned=[ALICE])),
        nameless,
    )
    assert result == {1: None, 2: 1}


def test_on_the_loaders_frame_with_chinese_names() -> None:
    from tests.analytics.build import frames, member, minutes, person
    from tests.analytics.build import msg as row

    f = frames(
        [
            row(1, 10, minutes(0), "周末有人去爬山吗？"),
            row(2, 20, minutes(1), "张三：我去"),
            row(3, 20, minutes(1.5), "@张三 几点出发？"),  # goes on from 2
            row(4, 10, minutes(2), "八点", reply_to="3"),  # explicit
            row(5, 30, minutes(3), "小王，你也来吗"),  # a nickname; 小王 never spoke
        ],
        [member(10), member(20), member(30, nickname="小王")],
        [person(10, name="张三"), person(20, name="李四"), person(30, name="王五")],
    )
    names = pl.concat(
        [
            f.persons.select("person_id", "name"),
            f.members.select("person_id", pl.col("nickname").alias("name")),
        ]
    )
    out = infer_replies(f.messages, names)
    assert out[TARGET].to_list() == [None, 1, 2, 3, None]
    assert out[TARGET_PERSON].to_list() == [None, 10, 20, 20, None]


# --- the hand-annotated #ubuntu logs ---------------------------------------------------


def bench() -> ModuleType:
    """bench/reply_inference.py, which parses the logs with their exact line numbers."""
    path = Path(__file__).resolve().parents[2] / "bench" / "reply_inference.py"
    spec = importlib.util.spec_from_file_location("reply_inference_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["2004-11-15_03", "2011-11-13_02"])
def test_beats_mention_or_previous_on_a_dev_log(real_data: Path, name: str) -> None:
    tool = bench()
    log = tool.read_log(real_data / "irc-ubuntu" / "dev" / f"{name}.raw.txt")
    ours = tool.score(log, *tool.ours(log))
    guess = tool.baseline(log.messages)
    speaker = dict(log.messages.select("id", "person_id").iter_rows())
    base = tool.score(log, guess, {b: speaker.get(a) for b, a in guess.items()})
    assert ours.links > 150 and ours.self_links > 10
    assert ours.strict > base.strict
    assert ours.with_self > base.with_self + 0.1
