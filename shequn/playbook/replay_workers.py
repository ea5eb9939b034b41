"""Replay on several cores: the rules shared out among worker processes.

Why: a replay is Python working through the history one event at a time, one
core's worth of work; a long history with every rule family on takes minutes.
Rules decide independently of each other, except where one reads what another
decided from the state (``TOGETHER``), so each worker can replay the whole
history with its share of the rules, and the workers' recorders add up exactly
to what one process with every rule records (tests compare the two). Every
worker reads the history and rebuilds the state itself: the price of sharing
no memory, paid back once a history is long (``MIN_EVENTS``).

Workers are forked: they start with everything loaded, and take fresh database
connections (an inherited one is left untouched, for the parent still uses it).
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from django.conf import settings as conf
from django.db import connections

from shequn.playbook.replay_recorder import Recorder
from shequn.playbook.rules import RuleType

#: Rules that read what another rule decided share a worker: the ritual welcomes
#: only newcomers no greeting rule has welcomed (``GroupState.greeted``). A rule
#: that starts reading another's decisions belongs here too.
TOGETHER: tuple[frozenset[str], ...] = (frozenset({"welcome", "ritual"}),)
#: Each rule's cost in a replay, in CPU-seconds per million messages beyond the
#: engine's own, as bench/replay_bench.py measured it alone, to give the workers
#: even shares. Windows and matching, both deciding on most messages, cost ~3 s more
#: together than apart: windows carries that, so that they go to different workers.
COST = {
    "moderation": 18, "windows": 19, "matching": 10, "meetups": 5, "admission": 5, "ritual": 2,
    "jielong": 1, "surveys": 1, "welcome": 1, "checkin": 1, "invite_points": 1, "essence": 1,
    "elimination": 1,
}  # fmt: skip
TYPICAL_COST = 3  # a rule not measured yet
#: Shorter histories replay in one process: a worker's start and its own reading
#: of the history would cost more than it saves.
MIN_EVENTS = 50_000

_inherited: list[Any] = []  # a worker's inherited connections, kept from being closed


class WorkerFailed(RuntimeError):
    """A replay worker stopped with an error (its traceback is the message)."""


def shares(
    rules: Sequence[RuleType],
    active: Callable[[RuleType], bool],
    workers: int | None,
    length: Callable[[], int],
) -> list[list[RuleType]]:
    """``rules`` divided among ``workers`` processes (None: as the machine and the history say).

    Only ``active`` rules are weighed; the others go with the first share. One
    share means: replay in this process.
    """
    count = workers if workers is not None else conf.REPLAY_WORKERS
    on = [rule for rule in rules if active(rule)]
    if count < 2 or len(on) < 2 or (workers is None and length() < MIN_EVENTS):
        return [list(rules)]
    bins: list[tuple[int, list[RuleType]]] = [(0, []) for _ in range(min(count, len(on)))]
    for unit in sorted(_units(on), key=_cost, reverse=True):
        lightest = min(range(len(bins)), key=lambda i: bins[i][0])
        weight, members = bins[lightest]
        bins[lightest] = (weight + _cost(unit), members + unit)
    parts = [members for _weight, members in bins if members]
    parts[0] += [rule for rule in rules if rule not in on]
    position = {rule: i for i, rule in enumerate(rules)}
    return [sorted(part, key=position.__getitem__) for part in parts]


def _units(rules: list[RuleType]) -> list[list[RuleType]]:
    """The rules grouped into what cannot be split: a TOGETHER set, or one rule."""
    units: list[list[RuleType]] = []
    placed: set[str] = set()
    for rule in rules:
        if rule.name in placed:
            continue
        names = next((t for t in TOGETHER if rule.name in t), frozenset({rule.name}))
        units.append([r for r in rules if r.name in names])
        placed |= names
    return units


def _cost(unit: list[RuleType]) -> int:
    return sum(COST.get(rule.name, TYPICAL_COST) for rule in unit)


def run_in_workers(
    parts: list[list[RuleType]],
    replay_share: Callable[[list[RuleType]], Recorder],
    rules: Sequence[RuleType],
) -> Recorder:
    """Replay each share in its own process (the first here) and add up what they recorded
    (``rules``: every rule of the replay, in their order)."""
    context = multiprocessing.get_context("fork")
    pipes: list[tuple[Any, Connection]] = []
    for part in parts[1:]:
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(replay_share, part, send), daemon=True)
        worker.start()
        send.close()
        pipes.append((worker, receive))
    try:
        recorders = [replay_share(parts[0])]
    except BaseException:  # the workers' results would go nowhere
        for worker, receive in pipes:
            worker.terminate()
            worker.join()
            receive.close()
        raise
    for worker, receive in pipes:
        recorders.append(_result(worker, receive))
    order = {rule.name: i for i, rule in enumerate(rules)}
    return merge(recorders, order)


def _work(
    replay_share: Callable[[list[RuleType]], Recorder], part: list[RuleType], send: Connection
) -> None:
    """A worker's life: fresh connections, its share replayed, the recorder sent back."""
    for alias in connections:
        _inherited.append(connections[alias])
        connections[alias] = connections.create_connection(alias)
    try:
        outcome: tuple[str, Any] = ("ok", replay_share(part))
    except BaseException:  # the parent raises it; nothing may escape a fork unreported
        outcome = ("failed", traceback.format_exc())
    finally:
        connections.close_all()
    send.send(outcome)
    send.close()


def _result(worker: Any, receive: Connection) -> Recorder:
    try:
        status, value = receive.recv()
    except EOFError:
        worker.join()
        message = f"replay worker {worker.pid} ended with code {worker.exitcode}"
        raise WorkerFailed(message) from None
    finally:
        receive.close()
    worker.join()
    if status != "ok":
        raise WorkerFailed(value)
    recorder: Recorder = value
    return recorder


def merge(recorders: Sequence[Recorder], order: dict[str, int]) -> Recorder:
    """One recorder of what the workers recorded, as one process would have.

    The workers' rules are distinct, so their counts and examples never overlap; a
    member's name is the one from the earliest decision about them, and decisions
    kept whole go in the order of their events, then of their rules.
    """
    first = recorders[0]
    merged = Recorder(since=first.since, keep=first.keep, events=first.events)
    merged.replayed = first.replayed
    for recorder in recorders:
        merged.counts.update(recorder.counts)
        merged.examples.update(recorder.examples)
    _merge_members(merged, recorders, order)
    if first.keep:
        # One process records an event's rule failures as its rules run, then the
        # actions they planned as these are carried out, each in the rules' order.
        kept = [
            ((seen, d.action != "rule", order[d.rule]), seen, d)
            for r in recorders
            for seen, d in zip(r.seen, r.decisions, strict=True)
        ]
        kept.sort(key=lambda entry: entry[0])
        merged.decisions = [d for _key, _seen, d in kept]
        merged.seen = [seen for _key, seen, _d in kept]
    return merged


def _merge_members(merged: Recorder, recorders: Sequence[Recorder], order: dict[str, int]) -> None:
    def when(named: tuple[int, str]) -> tuple[int, int]:
        return named[0], order[named[1]]

    for recorder in recorders:
        for member_id, (name, tally) in recorder.members.items():
            named = recorder.named[member_id]
            entry = merged.members.get(member_id)
            total = Counter(tally) if entry is None else entry[1] + tally
            if entry is None or when(named) < when(merged.named[member_id]):
                merged.named[member_id] = named
            else:
                name = entry[0]
            merged.members[member_id] = (name, total)
