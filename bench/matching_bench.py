"""Resource matching and question routing for a community of 20,000 members.

A synthetic community (fixed seed): 20,000 members with offers, needs, tags,
industry, city and an introduction drawn from 400 skills (20 fields × 20 kinds
of work), 40 groups of about 700 members (each member in one or two), and
20,000 answered questions (question, answer, the asker's thanks) spread over
the groups. Measured: building the profiles from frames, matching every
member's need at once (target: at most 10 s), and routing one new question in
a group, 1,000 times (target: p99 under 50 ms).

Run: ``.venv/bin/python bench/matching_bench.py [--members N] [--questions N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import polars as pl

from shequn.analytics.matching import build_profiles


def words(text: str) -> list[str]:
    return text.split()


FIELDS = words(
    "跨境 短视频 品牌 财税 法律 供应链 私域 直播 出海 人工智能 小红书 餐饮 教育 医疗 "
    "游戏 新能源 物流 电商 金融 房产"
)
WORK = words(
    "运营 咨询 设计 合规 投放 招聘 融资 培训 外包 代理 采购 仓储 数据分析 审计 "
    "渠道 公关 内容 社群 客服 开发"
)
CITIES = words("北京 上海 深圳 杭州 广州 成都 武汉 南京 西安 苏州 厦门 长沙")
GROUPS = 40
T = TypeVar("T")
START = datetime(2026, 1, 1, tzinfo=UTC)


def skill(rng: random.Random) -> str:
    return rng.choice(FIELDS) + rng.choice(WORK)


def persons(rng: random.Random, count: int) -> pl.DataFrame:
    rows = []
    for i in range(1, count + 1):
        offers = [skill(rng) for _ in range(2)]
        city, industry = rng.choice(CITIES), rng.choice(FIELDS)
        rows.append(
            {
                "person_id": i,
                "name": f"成员{i}",
                "intro": f"我在{city}做{industry}，擅长{offers[0]}，也做过{skill(rng)}",
                "needs": f"{skill(rng)}方面的合作伙伴",
                "offers": "、".join(offers),
                "city": city,
                "industry": industry,
                "tags": offers,
            }
        )
    return pl.DataFrame(rows)


def members(rng: random.Random, count: int) -> pl.DataFrame:
    rows = []
    for i in range(1, count + 1):
        for group in {rng.randrange(GROUPS), rng.randrange(GROUPS)}:
            rows.append({"group_id": group, "person_id": i, "left_at": None, "is_bot": False})
    return pl.DataFrame(rows, schema_overrides={"left_at": pl.Datetime("us", "UTC")})


def messages(rng: random.Random, member_rows: pl.DataFrame, questions: int) -> pl.DataFrame:
    by_group = member_rows.group_by("group_id").agg("person_id").rows()
    rows: list[dict[str, object]] = []
    at = START
    for n in range(questions):
        group, people = rng.choice(by_group)
        asker, helper = rng.sample(people, 2)
        at += timedelta(minutes=rng.randrange(1, 30))
        topic = skill(rng)
        base = 3 * n + 1
        said = [
            (base, asker, f"请问有人做过{topic}吗？", None, []),
            (base + 1, helper, f"{topic}我们做过三年，可以私聊", base, [asker]),
            (base + 2, asker, "太感谢了！", base + 1, [helper]),
        ]
        for step, (mid, who, text, reply, mentioned) in enumerate(said):
            rows.append(
                {
                    "id": mid,
                    "group_id": group,
                    "person_id": who,
                    "at": at + timedelta(minutes=5 * step),
                    "text": text,
                    "reply_to_id": reply,
                    "mentioned": mentioned,
                    "reactions": 0,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"mentioned": pl.List(pl.Int64)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--routes", type=int, default=1_000)
    args = parser.parse_args()
    rng = random.Random(20261203)
    people = persons(rng, args.members)
    stays = members(rng, args.members)
    chat = messages(rng, stays, args.questions)
    links = pl.DataFrame(
        schema={"person_a": pl.Int64, "person_b": pl.Int64, "dimension": pl.String}
    )
    groups = pl.DataFrame({"group_id": range(GROUPS), "name": [f"群{g}" for g in range(GROUPS)]})

    (profiles, built) = timed(lambda: build_profiles(people, stays, chat, links, groups))
    (matches, matched) = timed(lambda: profiles.match_needs(limit=5))
    walls, cpus = [], []
    for _ in range(args.routes):
        text = f"有没有人懂{skill(rng)}？想找{rng.choice(CITIES)}的朋友聊聊"
        group = rng.randrange(GROUPS)
        wall, cpu = time.perf_counter(), time.thread_time()
        profiles.route(text, group_id=group, limit=2)
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    print(f"{args.members:,} members, {len(chat):,} messages, {GROUPS} groups")
    print(f"build profiles      {built[0]:6.2f} s wall, {built[1]:6.2f} s CPU")
    print(
        f"match every need    {matched[0]:6.2f} s wall, {matched[1]:6.2f} s CPU "
        f"({len(profiles.needs):,} needs, {len(matches):,} matches)"
    )
    for name, times in (("wall", walls), ("CPU", cpus)):
        times.sort()
        print(
            f"route one question  {name}: median {statistics.median(times):.1f} ms, "
            f"p99 {times[int(0.99 * len(times)) - 1]:.1f} ms ({args.routes} questions)"
        )


def timed(work: Callable[[], T]) -> tuple[T, tuple[float, float]]:
    """``work()`` with its wall and process CPU seconds (CPU counts every polars thread)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


if __name__ == "__main__":
    main()
