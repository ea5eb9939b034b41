"""WeChat importers: bad input that names where it fails, sniffing, corrupted files."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import qq, slack, wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump
from shequn.importers.base import ImportFormatError, ImportOptions
from tests.importers.wechat_helpers import CSV_NAME, HEADER, PYWX_NAME, TXT_NAME, TZ, run

MODULES = (wechat_memotrace, wechat_memotrace_txt, wechat_pywxdump)


# --- MemoTrace CSV ------------------------------------------------------------------


def _line_of(path: Path, marker: str) -> int:
    text = path.read_text(encoding="utf-8-sig")
    return text[: text.index(marker)].count("\n") + 1


def test_memotrace_csv_bad_timestamp_names_its_physical_line(
    fixtures: Path, tmp_path: Path
) -> None:
    text = (fixtures / "wechat" / CSV_NAME).read_text(encoding="utf-8-sig")
    bad = text.replace("108,27,34,0,0,1709258880,", "108,27,34,0,0,17092x,").replace(
        "2024-03-01 10:08:00", "yesterday"
    )
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8-sig")
    line = _line_of(path, "108,27,34")
    assert line > 12  # records before it span several physical lines
    with pytest.raises(ImportFormatError) as error:
        run(wechat_memotrace, path)
    assert str(path) in str(error.value)
    assert error.value.where == f"line {line}"


def test_memotrace_csv_missing_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "chat.csv"
    path.write_text("localId,TalkerId,Type,SubType,IsSender,CreateTime,StrTime,NickName,Sender\n")
    with pytest.raises(ImportFormatError, match=r"line 1.*StrContent") as error:
        run(wechat_memotrace, path)
    assert str(path) in str(error.value)


BAD_CSV = {
    "empty": (b"", "byte 0"),
    "binary": (b"\x00\x01PK\x03\x04binary\x00" * 20, "byte 0"),
    "bad-type": (HEADER + b"1,5,x,0,0,1709258400,3,a,,,,\n", "line 2"),
    "short-row": (HEADER + b"1,5,1,0\n", "line 2"),
    "open-quote": (HEADER + b'1,5,1,0,0,1709258400,3,"never closed\n', "line 2"),
    "bad-bytes-after-head": (
        HEADER + "1,5,1,0,0,1709258400,3,好的,,,,\n".encode() * 3000 + b"2,5,1,0,0,1,3,\xff\xfe\n",
        "line 3002",
    ),
}


@pytest.mark.parametrize(("content", "where"), BAD_CSV.values(), ids=BAD_CSV.keys())
def test_memotrace_csv_bad_input(tmp_path: Path, content: bytes, where: str) -> None:
    path = tmp_path / "chat.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as error:
        run(wechat_memotrace, path)
    assert error.value.where == where
    assert error.value.path == str(path)


# --- PyWxDump CSV -------------------------------------------------------------------


def test_pywxdump_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,MsgSvrID,type_name,is_sender,talker,msg,src,CreateTime\n")
    with pytest.raises(ImportFormatError, match=r"line 1.*room_name"):
        run(wechat_pywxdump, path)


def test_pywxdump_bad_time_names_line(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "wechat" / PYWX_NAME).read_text(encoding="utf-8")
    path = tmp_path / "x.csv"
    path.write_text(text.replace("2024-03-01 10:20:00", "2024-13-01 10:20:00"), encoding="utf-8")
    with pytest.raises(ImportFormatError) as error:
        run(wechat_pywxdump, path)
    assert error.value.where == f"line {_line_of(path, '2024-13-01')}"
    assert re.search(r"line \d+", str(error.value))


# --- sniffing and robustness --------------------------------------------------------

OWN = {wechat_memotrace: CSV_NAME, wechat_memotrace_txt: TXT_NAME, wechat_pywxdump: PYWX_NAME}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.FORMAT)
def test_sniff_own_files_only(fixtures: Path, module: ModuleType) -> None:
    files = [fixtures / "wechat" / name for name in OWN.values()]
    files += sorted((fixtures / "qq").glob("*.txt"))
    for path in files:
        head = path.read_bytes()[: 64 * 1024]
        assert module.sniff(path, head) == (path.name == OWN[module]), path.name


def test_others_reject_wechat_files(fixtures: Path) -> None:
    for name in OWN.values():
        path = fixtures / "wechat" / name
        head = path.read_bytes()[: 64 * 1024]
        assert not qq.sniff(path, head)
        assert not slack.sniff(path, head)


def test_wechat_sniffers_reject_real_exports(real_data: Path) -> None:
    paths = [
        real_data / "slack" / "testarchive.zip",
        *sorted((real_data / "chat-miner-fixtures").rglob("*.*")),
        *sorted((real_data / "irc-ubuntu" / "dev").glob("*"))[:4],
    ]
    for path in paths:
        head = path.read_bytes()[: 64 * 1024]
        for module in MODULES:
            assert not module.sniff(path, head), (module.FORMAT, path)


def _mangle(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    mangled = bytearray(data[: cut % (len(data) + 1)])
    for position, value in flips:
        if mangled:
            mangled[position % len(mangled)] = value
    return bytes(mangled)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(OWN.items(), key=lambda item: item[1])),
    st.integers(min_value=0, max_value=1 << 16),
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=4),
)
def test_corrupted_files_fail_cleanly(
    item: tuple[ModuleType, str], cut: int, flips: list[tuple[int, int]]
) -> None:
    module, name = item
    data = (Path(__file__).resolve().parents[1] / "fixtures" / "wechat" / name).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(_mangle(data, cut, flips))
        try:
            for event in module.read(path, ImportOptions(tz=TZ)):
                assert event.at.tzinfo is not None
        except ImportFormatError as error:
            assert error.path == str(path)
