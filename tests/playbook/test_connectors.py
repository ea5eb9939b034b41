"""The connector contract's testing kit and the registry (no database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shequn.connectors import registry
from shequn.connectors.base import ConnectorError, Unsupported
from shequn.connectors.memory import MemoryConnector
from shequn.events import Event, Mute, Send
from tests.playbook.conftest import joined


def test_registry_loads_by_name_and_names_the_known() -> None:
    assert registry.load("memory") is MemoryConnector
    with pytest.raises(registry.UnknownConnector, match="known: matrix, memory"):
        registry.load("carrier-pigeon")


def test_memory_yields_fed_events_and_resumes_from_cursor() -> None:
    events = [joined(n, f"u{n}") for n in range(3)]

    async def read(connector: MemoryConnector) -> list[Event]:
        connector.close()
        return [e async for e in connector.events()]

    first = MemoryConnector()
    first.feed(*events[:2])
    assert asyncio.run(read(first)) == events[:2]
    assert first.cursor == "2"
    again = MemoryConnector(first.cursor)
    again.feed(*events)
    assert asyncio.run(read(again)) == events[2:]


def test_memory_waits_for_events_until_closed() -> None:
    async def scenario() -> list[Event]:
        connector = MemoryConnector()
        seen: list[Event] = []

        async def reader() -> None:
            async for event in connector.events():
                seen.append(event)

        task = asyncio.create_task(reader())
        await asyncio.sleep(0)
        connector.feed(joined(1, "u1"))
        await asyncio.sleep(0)
        connector.close()
        await asyncio.wait_for(task, 1)
        return seen

    assert asyncio.run(scenario()) == [joined(1, "u1")]


def test_memory_performs_within_capabilities() -> None:
    connector = MemoryConnector(capabilities={"Send"}, fail={})
    send = Send(platform="memory", group="g1", text="hi")
    asyncio.run(connector.perform(send))
    assert connector.performed == [send]
    mute = Mute(platform="memory", group="g1", member=joined(1, "u1").member, duration=timedelta(0))
    with pytest.raises(Unsupported) as caught:
        asyncio.run(connector.perform(mute))
    assert caught.value.permanent
    assert not connector.can(mute)


def test_memory_fails_on_demand() -> None:
    connector = MemoryConnector(fail={"Send": ConnectorError("down", permanent=False)})
    with pytest.raises(ConnectorError, match="down"):
        asyncio.run(connector.perform(Send(platform="memory", group="g1", text="hi")))
    assert connector.performed == []
