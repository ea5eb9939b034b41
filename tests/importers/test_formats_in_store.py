"""Every format, through detection and ingest into the store: found by content, idempotent,
and a damaged copy either imports cleanly or fails with the typed error and leaves nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.chat.models import Message
from shequn.community.actions import get_or_create_community
from shequn.community.models import Account, Membership
from shequn.importers.base import ImportOptions
from shequn.importers.command import import_file
from shequn.importers.detect import detect
from tests.conftest import FIXTURES, REAL_DATA

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]

# One sample per format: (format, path relative to its root, root).
SAMPLES = [
    ("telegram", "telegram-tgif/oop/exported.json", REAL_DATA),
    ("telegram", "telegram/service_group.json", FIXTURES),
    ("discord", "discord/guild_channel.json", FIXTURES),
    ("element", "element/room.json", FIXTURES),
    ("slack", "slack/testarchive.zip", REAL_DATA),
    ("wechat_memotrace", "wechat/技术交流群_utf8.csv", FIXTURES),
    ("wechat_memotrace_txt", "wechat/技术交流群.txt", FIXTURES),
    ("wechat_pywxdump", "wechat/27512345678@chatroom_0_5000.csv", FIXTURES),
    ("qq", "qq/group_gbk.txt", FIXTURES),
    ("qq", "qq/group_12h.txt", FIXTURES),
    ("irc", "irc-ubuntu/dev/2004-11-15_03.raw.txt", REAL_DATA),
    ("whatsapp", "chat-miner-fixtures/whatsapp/test_ddmmyy_24hrs.txt", REAL_DATA),
]


class _Quiet:
    """Stands in for the rich progress display; records nothing."""

    def add_task(self, *args: object, **kwargs: object) -> int:
        return 0

    def update(self, *args: object, **kwargs: object) -> None:
        return None

    def remove_task(self, *args: object) -> None:
        return None


def sample(root: Path, relative: str, tmp_path: Path) -> Path:
    source = root / relative
    if not source.exists():
        pytest.skip(f"{source} is absent (../shared/data/real not beside the project?)")
    # A neutral name, so detection must go by content alone; IRC logs keep theirs
    # because the date of their lines is only in the file name.
    name = source.name if "irc" in relative else "export.data"
    target = tmp_path / name
    shutil.copy(source, target)
    return target


def store_counts() -> tuple[int, int, int]:
    return Message.objects.count(), Account.objects.count(), Membership.objects.count()


def run(path: Path, fmt: str = "auto") -> dict[str, object]:
    community = get_or_create_community("导入测试")
    result = import_file(path, community, fmt, ImportOptions(), _Quiet())  # type: ignore[arg-type]
    return vars(result)


@pytest.mark.parametrize(("fmt", "relative", "root"), SAMPLES)
def test_detected_by_content_and_reimport_adds_nothing(
    fmt: str, relative: str, root: Path, tmp_path: Path
) -> None:
    path = sample(root, relative, tmp_path)
    assert detect(path) == fmt
    first = run(path)
    assert first["error"] == "" and first["format"] == fmt
    stats = first["stats"]
    assert isinstance(stats, dict) and stats["messages"] > 0
    before = store_counts()
    assert before[0] == stats["messages"]
    second = run(path)
    assert store_counts() == before
    assert second["stats"]["messages"] == 0  # type: ignore[index]
    assert second["stats"]["duplicates"] == stats["messages"]  # type: ignore[index]


@pytest.mark.parametrize(("fmt", "relative", "root"), SAMPLES)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_damaged_copy_imports_cleanly_or_changes_nothing(
    fmt: str,
    relative: str,
    root: Path,
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
) -> None:
    path = sample(root, relative, tmp_path_factory.mktemp("damaged"))
    raw = bytearray(path.read_bytes())
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    flips = data.draw(st.lists(st.integers(0, max(cut - 1, 0)), max_size=3), label="flips")
    damaged = raw[:cut]
    for i in flips:
        if damaged:
            damaged[i] ^= 0xFF
    path.write_bytes(bytes(damaged))
    before = store_counts()
    result = run(path, fmt)
    if result["error"]:
        assert str(path) in str(result["error"])
        assert store_counts() == before
    else:
        assert store_counts()[0] == before[0] + result["stats"]["messages"]  # type: ignore[index]
    Message.objects.all().delete()
