"""The hand-built frames resolve replies and mentions as the loader does."""

from __future__ import annotations

from tests.analytics.build import frames, member, minutes, msg


def test_replies_and_mentions_resolve_to_persons() -> None:
    f = frames(
        [msg(1, 10, minutes(0), "问"), msg(2, 20, minutes(1), "答", reply_to="1", mentions=[10])],
        [member(10), member(20)],
    )
    answer = f.messages.filter(f.messages["id"] == 2).row(0, named=True)
    assert answer["reply_to_id"] == 1 and answer["reply_person_id"] == 10
    assert answer["mentioned"] == [10]


def test_empty_frames_have_the_schema() -> None:
    f = frames([], [])
    assert f.messages.height == 0 and "mentioned" in f.messages.columns
