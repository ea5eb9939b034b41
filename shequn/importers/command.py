"""``shequn import``: stream each file through ingest, one transaction per file.

A bad file is reported with its location and what was expected, nothing of it
is stored, and the command goes on with the other files and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from django.db import DataError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from shequn.chat.ingest import IngestError, IngestStats, finish_batch, ingest, start_batch
from shequn.community.actions import get_or_create_community
from shequn.community.models import Community
from shequn.events import Event
from shequn.importers.base import ImportFormatError, ImportOptions
from shequn.importers.detect import detect
from shequn.importers.registry import load


@dataclass
class FileResult:
    path: str
    format: str = ""
    stats: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    recognised: dict[str, int] = field(default_factory=dict)
    error: str = ""


def walk(paths: list[str]) -> Iterator[Path]:
    """Files named, and the files under folders named (hidden ones left out), in order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.parts[-3:]):
                    yield child
        else:
            yield path


def counted(events: Iterator[Event], progress: Progress, task: TaskID) -> Iterator[Event]:
    for n, event in enumerate(events, 1):
        if n % 2000 == 0:
            progress.update(task, description=f"{n:,} events")
        yield event


def import_file(
    path: Path, community: Community, fmt: str, options: ImportOptions, progress: Progress
) -> FileResult:
    result = FileResult(path=str(path))
    try:
        result.format = detect(path) if fmt == "auto" else fmt
        module = load(result.format)
    except (ImportFormatError, KeyError, OSError) as exc:
        result.error = _message(exc)
        return result
    from shequn.playbook.jielong_import import ImportRecognition

    task = progress.add_task(path.name, total=path.stat().st_size)
    options.on_progress = lambda done: progress.update(task, completed=done)
    batch = start_batch(community, str(path), result.format)
    stats: IngestStats | None = None
    # Check-ins and 接龙 are recognised on the way in, so no second command is needed.
    recognition = ImportRecognition(community)
    try:
        events = recognition.tee(counted(module.read(path, options), progress, task))
        stats = ingest(events, community, batch)
    except (ImportFormatError, OSError) as exc:
        result.error = _message(exc)
    except IngestError as exc:
        result.error = f"{path}: {exc}"
    except DataError as exc:
        # A value the database itself refuses (on PostgreSQL: a NUL character in a
        # name, a name longer than its column); the transaction left nothing behind.
        result.error = f"{path}: the store refused a value from this file: {exc}"
    finally:
        progress.remove_task(task)
    finish_batch(batch, stats, result.error)
    result.stats = stats.as_dict() if stats is not None else {}
    if stats is not None and not result.error:
        result.recognised = recognition.finish(batch.pk).as_dict()
    result.skipped = dict(options.skipped)
    return result


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)


def run_import(args: argparse.Namespace) -> int:
    """Import every file named; print a table (or JSON); 1 when any file failed."""
    try:
        zone = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        print(f"shequn import: unknown time zone {args.tz!r}", file=sys.stderr)
        return 2
    community = get_or_create_community(args.community)
    console = Console(stderr=True)
    results = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        for path in walk(args.paths):
            options = (
                ImportOptions(group=args.group)
                if zone is None
                else ImportOptions(tz=zone, group=args.group)
            )
            results.append(import_file(path, community, args.format, options, progress))
    failed = any(r.error for r in results) or not results
    if args.json:
        payload = {
            "community": community.name,
            "ok": not failed,
            "files": [vars(r) for r in results],
        }
        sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print_summary(Console(), results)
    return 1 if failed else 0


def print_summary(console: Console, results: list[FileResult]) -> None:
    """A table of what each good file added, then each bad file with its error."""
    table = Table(title="导入结果 import summary")
    columns = ("file", "format", "messages", "duplicates", "new members", "joins", "leaves",
               "check-ins", "接龙")  # fmt: skip
    for column in (*columns, "skipped"):
        table.add_column(column, overflow="fold")
    for r in results:
        if r.error:
            continue
        s = r.stats
        skipped = ", ".join(f"{reason}: {n}" for reason, n in r.skipped.items()) or "—"
        # File names and skip reasons are untrusted text: escape them from rich's markup.
        table.add_row(
            escape(short(r.path)),
            r.format,
            str(s["messages"]),
            str(s["duplicates"]),
            str(s["accounts_created"]),
            str(s["joins"]),
            str(s["leaves"]),
            str(r.recognised.get("checkins", 0)),
            str(r.recognised.get("jielong_chains", 0)),
            escape(skipped),
        )
    console.print(table)
    for r in results:
        if r.error:
            console.print(f"[red]✗ {escape(r.error)}[/red]", soft_wrap=True)
    if not results:
        console.print("[red]no files found[/red]")


def short(path: str) -> str:
    """The file and its folder: enough to tell files apart in a narrow table."""
    parts = Path(path).parts
    return str(Path(*parts[-2:])) if len(parts) > 1 else path
