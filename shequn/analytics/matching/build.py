"""Profiles from frames: the archive's fields, members' good answers and threads, activity.

Pure: takes polars frames (the columns ``load.py`` reads), so tests and benchmarks
build profiles without a store.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from shequn.analytics.matching.answers import answers, threads
from shequn.analytics.matching.profiles import Profiles
from shequn.analytics.matching.types import Evidence

FIELDS = ("offers", "industry", "city", "intro")
QUOTE = 40  # characters of the question shown before an answer in its evidence
TIE_DIMENSIONS = ("collaborated", "friend")  # what an introduction records; such pairs are done


def build_profiles(
    persons: pl.DataFrame,
    members: pl.DataFrame,
    messages: pl.DataFrame,
    links: pl.DataFrame,
    groups: pl.DataFrame,
    opted_out: Collection[int] = (),
) -> Profiles:
    """Profiles of a community.

    ``persons``: person_id, name, intro, needs, offers, city, industry, tags (list);
    ``members``: group_id, person_id, left_at, is_bot (current stays are the ones
    with no left_at; bots are never candidates); ``messages``: id, group_id,
    person_id, at (UTC), text, reply_to_id, mentioned, reactions (count);
    ``links``: person_a, person_b, dimension; ``groups``: group_id, name.
    """
    profiles = Profiles(opted_out=set(opted_out))
    profiles.group_names = dict(groups.select("group_id", "name").iter_rows())
    bots = set(members.filter(pl.col("is_bot"))["person_id"].to_list())
    _archive(profiles, persons.filter(~pl.col("person_id").is_in(sorted(bots))))
    _members(profiles, members.filter(~pl.col("is_bot")))
    humans = messages.filter(pl.col("person_id").is_not_null())
    humans = humans.filter(~pl.col("person_id").is_in(sorted(bots)))
    _chat(profiles, humans)
    profiles.tied = {
        (min(a, b), max(a, b))
        for a, b in links.filter(pl.col("dimension").is_in(TIE_DIMENSIONS))
        .select("person_a", "person_b")
        .iter_rows()
    }
    return profiles


def _archive(profiles: Profiles, persons: pl.DataFrame) -> None:
    index = profiles.index
    for row in persons.iter_rows(named=True):
        person_id = int(row["person_id"])
        profiles.names[person_id] = row["name"] or f"#{person_id}"
        if row.get("needs"):
            profiles.needs[person_id] = row["needs"]
        for name in FIELDS:
            if row.get(name):
                index.add(person_id, Evidence(name, name, None, str(row[name])))
        for tag in row.get("tags") or []:
            index.add(person_id, Evidence("tags", "tags", None, str(tag)))


def _members(profiles: Profiles, members: pl.DataFrame) -> None:
    current = members.filter(pl.col("left_at").is_null())
    for group_id, person_id in current.select("group_id", "person_id").unique().iter_rows():
        profiles.activity.joined(int(group_id), int(person_id))
        profiles.groups_of.setdefault(int(person_id), set()).add(int(group_id))


def _chat(profiles: Profiles, messages: pl.DataFrame) -> None:
    activity = profiles.activity
    last = messages.group_by("group_id", "person_id").agg(pl.col("at").max())
    for group_id, person_id, at in last.iter_rows():
        activity.last_spoke[(int(group_id), int(person_id))] = at.timestamp()
    found = answers(messages)
    for row in found.sort("at").iter_rows(named=True):
        group_id, person_id = int(row["group_id"]), int(row["person_id"])
        activity.answered(group_id, person_id, int(row["asker_id"]), row["at"].timestamp())
        if row["good"]:
            shown = f"{row['question_text'][:QUOTE]} → {row['answer_text']}"
            evidence = Evidence("answer", f"message:{row['answer_id']}", group_id, shown)
            text = f"{row['question_text']} {row['answer_text']}"
            profiles.index.add(person_id, evidence, text)
    for row in threads(messages).iter_rows(named=True):
        evidence = Evidence("thread", f"message:{row['id']}", int(row["group_id"]), row["text"])
        profiles.index.add(int(row["person_id"]), evidence)
