"""A bulk ingest raises the collector's threshold while it runs and restores it after."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator

import pytest

from shequn.chat.collector import BULK_THRESHOLD, fewer_collections
from shequn.chat.ingest import IngestError, ingest
from shequn.community.models import Community
from shequn.events import Event
from tests.store.factories import message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def test_nested_users_restore_the_callers_setting() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], BULK_THRESHOLD)
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] == max(before[0], BULK_THRESHOLD)
    assert gc.get_threshold() == before


def test_ingest_raises_it_while_streaming_and_restores_it_even_on_error(
    community: Community,
) -> None:
    before = gc.get_threshold()
    seen: list[int] = []

    def events(bad: bool) -> Iterator[Event]:
        seen.append(gc.get_threshold()[0])
        yield message(1, "alice")
        if bad:
            yield dataclasses.replace(message(2, "alice"), event_id="")  # refused

    ingest(events(False), community)
    with pytest.raises(IngestError):
        ingest(events(True), community)
    assert seen == [max(before[0], BULK_THRESHOLD)] * 2
    assert gc.get_threshold() == before
