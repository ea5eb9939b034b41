"""A replay shared among worker processes reports exactly what one process reports."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest

from shequn.chat.ingest import ingest
from shequn.chat.models import Message
from shequn.community.models import Community, Group
from shequn.demo.generator import build
from shequn.playbook.engine import DEFAULT_RULES
from shequn.playbook.replay import replay
from shequn.playbook.replay_recorder import Recorder
from shequn.playbook.replay_workers import (
    MIN_EVENTS,
    TOGETHER,
    WorkerFailed,
    run_in_workers,
    shares,
)
from shequn.playbook.rules import RuleType
from tests.playbook.rule_kit import Boom

# Workers are separate processes with their own connections: they see only what is committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

FANS, SOCIAL = "demo-fans@chatroom", "demo-social@chatroom"
NAMES = [rule.name for rule in DEFAULT_RULES]


def every_rule_on() -> dict[str, Any]:
    return {rule.name: {"enabled": True} for rule in DEFAULT_RULES}


def summary(r: Recorder) -> dict[str, Any]:
    """Everything a report or a test reads from a recorder."""
    return {
        "events": dict(r.events),
        "replayed": r.replayed,
        "counts": dict(r.counts),
        "examples": r.examples,
        "members": {k: (name, dict(tally)) for k, (name, tally) in r.members.items()},
        "decisions": r.decisions,
    }


@pytest.fixture
def demo(community: Community) -> None:
    """Two of the demo's groups stored, as an import would store them."""
    ingest((e for e in build().events if e.group in (FANS, SOCIAL)), community)


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.usefixtures("demo")
def test_workers_report_what_one_process_reports(workers: int) -> None:
    on = every_rule_on()
    decided: set[str] = set()
    for key in (FANS, SOCIAL):
        group = Group.objects.get(external_id=key)
        alone = replay(group, on, keep=True, workers=1)
        shared = replay(group, on, keep=True, workers=workers)
        assert summary(shared) == summary(alone), key
        decided |= {d.rule for d in alone.decisions}
    # Rules in different workers decided, including the two that must share one.
    assert decided >= {"welcome", "ritual", "moderation", "admission"}


@pytest.mark.usefixtures("demo")
def test_a_window_and_the_counts_alone_agree_too() -> None:
    group = Group.objects.get(external_id=FANS)
    times = Message.objects.filter(group=group).order_by("at").values_list("at", flat=True)
    since = times[len(times) // 2]
    alone = replay(group, every_rule_on(), since=since, workers=1)
    shared = replay(group, every_rule_on(), since=since, workers=2)
    assert summary(shared) == summary(alone)
    assert sum(alone.events.values()) < alone.replayed  # events before ``since`` not reported


@pytest.mark.usefixtures("demo")
def test_a_rule_that_raises_is_reported_from_its_worker() -> None:
    group = Group.objects.get(external_id=FANS)
    on = {"boom": {"enabled": True}, **every_rule_on()}
    rules: tuple[RuleType, ...] = (*DEFAULT_RULES, Boom)
    alone = replay(group, on, rules=rules, keep=True, workers=1)
    shared = replay(group, on, rules=rules, keep=True, workers=2)
    assert summary(shared) == summary(alone)
    assert alone.counts[("boom", "rule", "failed")] == alone.replayed


def test_shares_keep_rules_that_read_each_other_together() -> None:
    for workers in (2, 3, 4, 13):
        parts = shares(DEFAULT_RULES, lambda rule: True, workers, lambda: 0)
        assert 2 <= len(parts) <= workers
        assert sorted(rule.name for part in parts for rule in part) == sorted(NAMES)
        for together in TOGETHER:
            assert sum(bool(together & {r.name for r in part}) for part in parts) == 1
        for part in parts:  # each share keeps the rules' order
            assert [r.name for r in part] == [n for n in NAMES if n in {r.name for r in part}]


def test_shares_weigh_only_the_rules_switched_on() -> None:
    on = {"moderation", "windows"}
    parts = shares(DEFAULT_RULES, lambda rule: rule.name in on, 4, lambda: 0)
    # Two shares, not four: the eleven rules that are off weigh nothing.
    assert sorted([r.name for r in part if r.name in on] for part in parts) == [
        ["moderation"],
        ["windows"],
    ]
    assert len(parts[0]) == len(DEFAULT_RULES) - 1  # the rules that are off go with the first


def test_the_setting_decides_for_long_histories_only(settings: Any) -> None:
    settings.REPLAY_WORKERS = 2
    every = lambda rule: True  # noqa: E731
    assert shares(DEFAULT_RULES, every, None, lambda: MIN_EVENTS - 1) == [list(DEFAULT_RULES)]
    assert len(shares(DEFAULT_RULES, every, None, lambda: MIN_EVENTS)) == 2
    assert shares(DEFAULT_RULES, every, 1, lambda: 10**9) == [list(DEFAULT_RULES)]
    settings.REPLAY_WORKERS = 1
    assert shares(DEFAULT_RULES, every, None, lambda: 10**9) == [list(DEFAULT_RULES)]


def test_a_failing_worker_is_reported_with_its_traceback() -> None:
    parts = shares(DEFAULT_RULES, lambda rule: rule.name in ("moderation", "windows"), 2, lambda: 0)
    in_worker = parts[1]  # the first share is replayed by the caller itself

    def replay_share(part: list[RuleType]) -> Recorder:
        if part == in_worker:
            raise LookupError("the store went away")
        return Recorder()

    with pytest.raises(WorkerFailed, match="LookupError: the store went away"):
        run_in_workers(parts, replay_share, DEFAULT_RULES)


def test_when_the_callers_share_fails_the_workers_are_stopped() -> None:
    parts = shares(DEFAULT_RULES, lambda rule: rule.name in ("moderation", "windows"), 2, lambda: 0)
    here = parts[0]

    def replay_share(part: list[RuleType]) -> Recorder:
        if part == here:
            raise LookupError("the store went away here")
        time.sleep(60)  # a worker that would outlive its caller
        return Recorder()

    children = set(multiprocessing.active_children())
    with pytest.raises(LookupError, match="went away here"):
        run_in_workers(parts, replay_share, DEFAULT_RULES)
    assert set(multiprocessing.active_children()) == children  # none left sleeping
