"""Import benchmark: ``shequn import`` beside chat-miner and whatstk on the same chat.

Generates (once per size and seed) a Telegram Desktop ``result.json`` and the same
conversation as a WhatsApp Android ``.txt``, installs the peers into their own venv, times
each parser in a fresh child (wall, peak RSS) and prints the ratios. ``shequn import``
parses AND stores into a fresh SQLite store; the peers only parse into a DataFrame.
The export generators are in bench/export_gen.py, beside this script.

    python bench/import_bench.py [--messages N] [--only telegram|whatsapp] [--workdir DIR]
    # figures: <workdir>/import_bench.json (workdir: bench/out/, git-ignored)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from export_gen import WA_FILE, Exporter

ROOT = Path(__file__).resolve().parent.parent
SHEQUN = ROOT / ".venv" / "bin" / "shequn"
SEED = 20251122


def ensure_data(workdir: Path, n: int, seed: int) -> tuple[Path, Path, dict]:
    """Both export files for (n, seed), generated only when missing."""
    folder = workdir / f"data-n{n}-s{seed}"
    tg_path, wa_path, meta_path = folder / "result.json", folder / WA_FILE, folder / "meta.json"
    paths = (tg_path, wa_path)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("bytes") == [p.stat().st_size if p.exists() else -1 for p in paths]:
            return tg_path, wa_path, meta
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating {n:,} messages (seed {seed}) into {folder} …", flush=True)
    t0 = time.perf_counter()
    with tg_path.open("w", encoding="utf-8") as tg, wa_path.open("w", encoding="utf-8") as wa:
        meta = Exporter(seed, tg, wa).run(n)
    meta.update(messages=n, seed=seed, bytes=[p.stat().st_size for p in paths])
    meta_path.write_text(json.dumps(meta, indent=1))
    print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    return tg_path, wa_path, meta


def ensure_peers(workdir: Path) -> Path:
    """A venv of its own with chat-miner and whatstk; installed only when missing."""
    venv = workdir / "peers-venv"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import chatminer.chatparsers, whatstk"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"installing chat-miner and whatstk into {venv} …", flush=True)
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "chat-miner", "whatstk"], check=True)
    return python


RUSAGE_WRAPPER = (  # a fresh parent per run, so RUSAGE_CHILDREN is that one child's
    "import resource, subprocess, sys\ncode = subprocess.run(sys.argv[2:]).returncode\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'User time (seconds): {r.ru_utime}\\n'\n"
    "    f'System time (seconds): {r.ru_stime}\\n'\n"
    "    f'Maximum resident set size (kbytes): {r.ru_maxrss}')\nsys.exit(code)\n"
)


def measure(argv: list[str], log: Path, env: dict[str, str] | None = None) -> dict:
    """Run argv in a fresh child: wall seconds, peak RSS (MB), exit code, stdout."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as report:
        if Path("/usr/bin/time").exists():
            cmd = ["/usr/bin/time", "-v", "-o", report.name, *argv]
        else:
            cmd = [sys.executable, "-c", RUSAGE_WRAPPER, report.name, *argv]
        with log.open("w") as err:
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
            wall = time.perf_counter() - t0
        text = report.read()
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    rss = round(int(found[1]) / 1024, 1) if found else 0.0
    # CPU (user + sys, children included): steadier than wall on a shared machine.
    cpu = sum(float(t) for t in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    load = round(os.getloadavg()[0], 1)
    result = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rss_mb": rss, "load": load}
    return result | {"exit": proc.returncode, "stdout": proc.stdout}


CHATMINER = (  # each peer script prints the number of rows of the DataFrame it parsed into
    "from chatminer.chatparsers import {} as P\np = P(sys.argv[1])\np.parse_file()\n"
    "print(len(p.parsed_messages.get_df()))\n"
)
PEER_SCRIPTS = {
    "chat-miner/telegram": CHATMINER.format("TelegramJsonParser"),
    "chat-miner/whatsapp": CHATMINER.format("WhatsAppParser"),
    "whatstk": "import inspect\nfrom whatstk import df_from_whatsapp as df\n"  # refuses > 50 MB
    "kw = {'max_size': None} if 'max_size' in inspect.signature(df).parameters else {}\n"
    "print(len(df(sys.argv[1], **kw)))\n",
}


def run_peer(python: Path, tool: str, path: Path, logs: Path) -> dict:
    """One peer parse into its DataFrame; prints the row count."""
    argv = [str(python), "-c", "import sys\n" + PEER_SCRIPTS[tool], str(path)]
    result = measure(argv, logs / (tool.replace("/", "-") + ".log"))
    lines = result.pop("stdout").split()
    result["messages"] = int(lines[-1]) if result["exit"] == 0 and lines else None
    return result


def run_shequn(path: Path, fmt: str, workdir: Path, logs: Path) -> dict:
    """``shequn setup --no-demo`` (untimed) in a fresh data dir, then a timed ``shequn import``."""
    data = Path(tempfile.mkdtemp(prefix=f"shequn-{fmt}-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if k != "SHEQUN_DATABASE_URL"}  # SQLite
    env |= {"SHEQUN_DATA_DIR": str(data)}
    try:
        setup = [str(SHEQUN), "setup", "--no-demo"]
        done = subprocess.run(setup, env=env, capture_output=True, text=True)
        if done.returncode:
            error = "setup failed: " + done.stderr.strip()[-400:]
            return {"wall_s": 0.0, "rss_mb": 0.0, "exit": done.returncode, "error": error}
        argv = [str(SHEQUN), "import", str(path), "--community", "bench", "--json"]
        result = measure(argv, logs / f"shequn-{fmt}.log", env)
        store = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
        result["store_mb"] = round(store / 2**20, 1)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    try:
        file = json.loads(result.pop("stdout"))["files"][0]
        result |= {"messages": file["stats"].get("messages"), "detected": file["format"]}
        result |= {"error": file["error"] or None, "stats": file["stats"] | file["skipped"]}
    except (ValueError, KeyError, IndexError):
        result["messages"] = None
    return result


def verdicts(runs: dict) -> dict:
    """shequn against the peer it must beat: ratios (shequn/peer) and the targets."""
    targets = {"telegram": ("chat-miner/telegram", 1 / 3, 400), "whatsapp": ("whatstk", 1 / 2, 300)}
    out = {}
    for fmt, (peer, wall_max, rss_max) in targets.items():
        ours, theirs = runs.get(f"shequn/{fmt}"), runs.get(peer)
        if not ours or not theirs or ours["exit"] or theirs["exit"]:
            continue
        wall, rss = (round(ours[k] / max(theirs[k], 1e-9), 3) for k in ("wall_s", "rss_mb"))
        out[fmt] = {"against": peer, "wall_ratio": wall, "rss_ratio": rss}
        out[fmt] |= {"wall_target": round(wall_max, 3), "rss_target_mb": rss_max}
        out[fmt] |= {"wall_ok": wall <= wall_max, "rss_ok": ours["rss_mb"] < rss_max}
    return out


def print_table(runs: dict, ratios: dict) -> None:
    head = f"{'tool':<16}{'format':<10}{'messages':>11}{'wall s':>9}{'CPU s':>8}{'peak RSS MB':>13}"
    print(f"\n{head}{'load':>6}  status")
    for name, r in runs.items():
        tool = name.split("/")[0] + (" import" if name.startswith("shequn") else "")
        fmt = "telegram" if name.endswith("telegram") else "whatsapp"
        msgs = "—" if r.get("messages") is None else f"{r['messages']:,}"
        bad = r["exit"] != 0 or r.get("error")
        status = f"FAILED (exit {r['exit']}) {r.get('error') or ''}" if bad else "ok"
        cols = f"{r['wall_s']:>9.1f}{r.get('cpu_s', 0.0):>8.1f}{r['rss_mb']:>13.1f}"
        print(f"{tool:<16}{fmt:<10}{msgs:>11}{cols}{r.get('load', 0.0):>6.1f}  {status}")
    for v in ratios.values():
        met = {k: "met" if v[k] else "NOT met" for k in ("wall_ok", "rss_ok")}
        print(
            f"shequn vs {v['against']}: wall ×{v['wall_ratio']} (target ≤ {v['wall_target']}: "
            f"{met['wall_ok']}), RSS ×{v['rss_ratio']} (shequn < {v['rss_target_mb']} MB: "
            f"{met['rss_ok']})"
        )


RUNS = (  # noqa: SIM905 - in the order they run
    "chat-miner/telegram shequn/telegram chat-miner/whatsapp whatstk shequn/whatsapp"
).split()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--only", choices=("telegram", "whatsapp"))
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    args = p.parse_args()
    workdir = args.workdir.resolve()
    (workdir / "logs").mkdir(parents=True, exist_ok=True)
    tg_path, wa_path, meta = ensure_data(workdir, args.messages, args.seed)
    python = ensure_peers(workdir)
    paths = {"telegram": tg_path, "whatsapp": wa_path}
    runs = {}
    for name in RUNS:
        fmt = "telegram" if name.endswith("telegram") else "whatsapp"
        if args.only in (None, fmt):
            print(f"timing {name} …", flush=True)
            if name.startswith("shequn/"):
                runs[name] = run_shequn(paths[fmt], fmt, workdir, workdir / "logs")
            else:
                runs[name] = run_peer(python, name, paths[fmt], workdir / "logs")
            print(f"  {runs[name]}", flush=True)
    ratios = verdicts(runs)
    print_table(runs, ratios)
    report = {"generated": meta, "files": {k: str(v) for k, v in paths.items()}}
    report |= {"cpus": os.cpu_count(), "runs": runs, "ratios": ratios}
    out = workdir / "import_bench.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nfigures: {out}; child logs: {workdir / 'logs'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
