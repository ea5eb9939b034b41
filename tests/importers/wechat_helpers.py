"""Helpers shared by the WeChat importer tests (test_wechat*.py)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from shequn.events import Event
from shequn.importers.base import ImportOptions

TZ = ZoneInfo("Asia/Shanghai")
CSV_NAME = "技术交流群_utf8.csv"
TXT_NAME = "技术交流群.txt"
PYWX_NAME = "27512345678@chatroom_0_5000.csv"


def run(module: ModuleType, path: Path, **kwargs: object) -> tuple[list[Event], ImportOptions]:
    options = ImportOptions(tz=TZ, **kwargs)  # type: ignore[arg-type]
    return list(module.read(path, options)), options


HEADER = (
    b"localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,"
    b"NickName,Sender\n"
)
