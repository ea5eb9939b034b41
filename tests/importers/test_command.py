"""`shequn import` end to end: detection, idempotency, bad files, JSON summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shequn.chat.models import ImportBatch, Message
from shequn.cli import main
from shequn.community.models import Account

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def telegram_copy(real_data: Path, tmp_path: Path) -> Path:
    source = real_data / "telegram-tgif" / "oop" / "exported.json"
    target = tmp_path / "exports" / "oop.json"
    target.parent.mkdir()
    shutil.copy(source, target)
    return target


def test_import_twice_adds_nothing_the_second_time(
    real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = telegram_copy(real_data, tmp_path)
    assert main(["import", str(path), "--community", "印尼开发者", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    stored = Message.objects.count()
    assert first["ok"] and first["files"][0]["format"] == "telegram"
    assert first["files"][0]["stats"]["messages"] == stored > 0
    assert main(["import", str(path), "--community", "印尼开发者", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["files"][0]["stats"]["messages"] == 0
    assert second["files"][0]["stats"]["duplicates"] == stored == Message.objects.count()


def test_bad_files_are_reported_and_the_good_ones_still_land(
    real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = telegram_copy(real_data, tmp_path)
    truncated = good.parent / "truncated.json"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (good.parent / "empty.txt").write_bytes(b"")
    (good.parent / "binary.bin").write_bytes(bytes(range(256)) * 10)
    code = main(["import", str(good.parent), "--community", "印尼开发者", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and not out["ok"]
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert by_name["oop.json"]["error"] == "" and by_name["oop.json"]["stats"]["messages"] > 0
    for bad in ("truncated.json", "empty.txt", "binary.bin"):
        assert str(good.parent / bad) in by_name[bad]["error"]
    # Only the good file's messages are stored; the failed ones left a failed record.
    assert Message.objects.count() == by_name["oop.json"]["stats"]["messages"]
    assert ImportBatch.objects.filter(status="failed").count() == 1  # the truncated one
    assert Account.objects.exists()


def test_unknown_format_name_and_zone_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    assert main(["import", str(path), "--community", "c", "--format", "nope", "--json"]) == 1
    assert "unknown format 'nope'" in json.loads(capsys.readouterr().out)["files"][0]["error"]
    assert main(["import", str(path), "--community", "c", "--tz", "Mars/Base"]) == 2


def test_values_a_store_cannot_hold_never_end_in_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A NUL in a body is stored as U+FFFD; a NUL in a name, which PostgreSQL refuses,
    refuses that file cleanly there (SQLite keeps it), and the next file still lands."""
    from django.db import connection

    def chat(n: int, name: str, text: str) -> dict[str, object]:  # a hand-written export
        message = {"id": n, "type": "message", "date_unixtime": "1700000000",
                   "from": name, "from_id": "user1", "text": text}  # fmt: skip
        return {"name": "群", "type": "private_supergroup", "id": 7, "messages": [message]}

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(chat(1, "张\u0000三", "你好")))
    (folder / "b.json").write_text(json.dumps(chat(2, "李四", "前\u0000后")))
    code = main(["import", str(folder), "--community", "c", "--json"])
    files = {Path(f["path"]).name: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert files["b.json"]["error"] == ""
    assert Message.objects.filter(text="前\ufffd后").exists()
    if connection.vendor == "postgresql":
        assert code == 1 and str(folder / "a.json") in files["a.json"]["error"]
        assert "NUL" in files["a.json"]["error"] and Message.objects.count() == 1
    else:
        assert code == 0 and Account.objects.filter(display_name="张\u0000三").exists()
