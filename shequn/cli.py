"""The ``shequn`` command: set up, serve, load the demo, import, and Django's own commands."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable, Sequence


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    import django

    django.setup()


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return 0


def ensure_admin() -> str | None:
    """Create a superuser named ``admin`` when no superuser exists; return its password once."""
    from django.contrib.auth import get_user_model

    users = get_user_model()
    if users.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    users.objects.create_superuser(username="admin", email="", password=password)
    return password


def cmd_setup(args: argparse.Namespace) -> int:
    """Migrate, load the demo community into an empty store, and make sure an admin exists."""
    cmd_migrate(args)
    from shequn.community.models import Community

    if not args.no_demo and not Community.objects.exists():
        from shequn.demo.load import load_demo

        print("正在生成示例社群 (loading the demo community)…", flush=True)
        summary = load_demo()
        print(f"  {summary}", flush=True)
    password = ensure_admin()
    if password is not None:
        print("已创建管理员账号 (admin account created) — shown once, keep it safe:")
        print("  username: admin")
        print(f"  password: {password}", flush=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    cmd_migrate(args)
    from shequn.demo.load import load_demo

    print(load_demo())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    import uvicorn

    print(f"shequn: http://{args.host}:{args.port}/", flush=True)
    uvicorn.run("shequn.asgi:application", host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _django()
    from shequn.importers.command import run_import

    return run_import(args)


def cmd_report(args: argparse.Namespace) -> int:
    if args.paths and args.group is None:
        # Export files get a throwaway store of their own, set before Django reads settings.
        import tempfile

        tmp = tempfile.mkdtemp(prefix="shequn-report-")
        os.environ["SHEQUN_DATA_DIR"] = tmp
        os.environ["SHEQUN_DATABASE_URL"] = f"sqlite:///{tmp}/report.sqlite3"
        cmd_migrate(args)
    else:
        _django()
    from shequn.analytics.command import run_report

    return run_report(args)


def cmd_run(args: argparse.Namespace) -> int:
    _django()
    from shequn.playbook.runner import run_command

    return run_command(args)


def cmd_repage(args: argparse.Namespace) -> int:
    _django()
    from shequn.repage import run_repage

    return run_repage(args)


def cmd_replay(args: argparse.Namespace) -> int:
    _django()
    from shequn.playbook.replay_command import run_replay

    return run_replay(args)


def cmd_activities(args: argparse.Namespace) -> int:
    _django()
    from shequn.playbook.activities_command import run_activities

    return run_activities(args)


def cmd_digest(args: argparse.Namespace) -> int:
    _django()
    from shequn.analytics.digest_command import run_digest

    return run_digest(args)


def cmd_eliminate(args: argparse.Namespace) -> int:
    _django()
    from shequn.playbook.elimination_command import run_eliminate

    return run_eliminate(args)


def cmd_orders(args: argparse.Namespace) -> int:
    _django()
    from shequn.web.shop_command import run_orders

    return run_orders(args)


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequn", *args.rest])
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shequn", description="社群运营系统 community operations")
    sub = p.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
        "setup": (cmd_setup, "migrate, load the demo into an empty store, create an admin"),
        "migrate": (cmd_migrate, "create or upgrade the database schema"),
        "demo": (cmd_demo, "load the deterministic demo community"),
        "serve": (cmd_serve, "serve the dashboard with uvicorn"),
        "import": (cmd_import, "import chat export files (format detected from content)"),
        "report": (cmd_report, "a group's health report as HTML (and JSON)"),
        "run": (cmd_run, "run the live engine: connectors and the job scheduler"),
        "replay": (cmd_replay, "what a group's rules would have done over its stored history"),
        "activities": (cmd_activities, "check-ins (打卡) and 接龙 chains in a group's history"),
        "digest": (cmd_digest, "a group's daily digest (每日精华) for one day"),
        "eliminate": (cmd_eliminate, "a group's elimination sweep (动态淘汰), or --dry-run"),
        "orders": (cmd_orders, "orders from a shop's file: shequn orders import FILE"),
        "repage": (cmd_repage, "rebuild the SQLite store with another page size"),
        "manage": (cmd_manage, "run a Django management command"),
    }
    subs = {}
    for name, (func, text) in commands.items():
        subs[name] = sub.add_parser(name, help=text, description=text)
        subs[name].set_defaults(func=func)
    subs["setup"].add_argument("--no-demo", action="store_true", help="do not load the demo")
    subs["serve"].add_argument("--host", default="127.0.0.1")
    subs["serve"].add_argument("--port", type=int, default=8000)
    subs["manage"].add_argument("rest", nargs=argparse.REMAINDER)
    from shequn.importers.options import add_import_arguments

    add_import_arguments(subs["import"])
    from shequn.analytics.options import add_report_arguments

    add_report_arguments(subs["report"])
    from shequn.playbook.options import add_run_arguments

    add_run_arguments(subs["run"])
    from shequn.playbook.replay_command import add_replay_arguments

    add_replay_arguments(subs["replay"])
    from shequn.playbook.activities_command import add_activities_arguments

    add_activities_arguments(subs["activities"])
    from shequn.analytics.digest_command import add_digest_arguments

    add_digest_arguments(subs["digest"])
    from shequn.playbook.elimination_command import add_eliminate_arguments

    add_eliminate_arguments(subs["eliminate"])
    from shequn.repage import add_repage_arguments

    add_repage_arguments(subs["repage"])
    from shequn.web.shop_command import add_orders_arguments

    add_orders_arguments(subs["orders"])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
