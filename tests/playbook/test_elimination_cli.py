"""``shequn eliminate``: the dry-run preview on the terminal, scheduling a sweep, bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shequn.cli import main
from shequn.community.models import Community
from shequn.playbook.models import EliminationNotice, Job
from tests.playbook.elimination_kit import build, join, policy, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.store]


def group_id(community: Community, settings: dict[str, object]) -> int:
    now = timezone.now()
    events = [join("u1", now - timedelta(days=100)), join("u2", now - timedelta(days=100))]
    events += [say("u2", now), say("u1", now - timedelta(days=50), "hi")]
    group, _engine, _memory = build(community, settings, events)
    return group.pk


def test_dry_run_lists_who_would_be_notified_and_why(
    community: Community, capsys: pytest.CaptureFixture[str]
) -> None:
    gid = group_id(community, policy())
    assert main(["eliminate", "--group", str(gid), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "u1\t成员u1\tsilent\tsilent=50\tcheckins=-\ttier=ordinary\tthreshold=30" in out
    assert "u2" not in out
    assert main(["eliminate", "--group", str(gid), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [r["member"] for r in found["new"]] == ["u1"] and found["due"] == []
    assert not EliminationNotice.objects.exists() and not Job.objects.exists()


def test_without_dry_run_a_sweep_is_scheduled_for_the_engine(
    community: Community, capsys: pytest.CaptureFixture[str]
) -> None:
    gid = group_id(community, policy())
    assert main(["eliminate", "--group", str(gid)]) == 0
    job = Job.objects.get(kind="eliminate")
    assert f"#{job.pk}" in capsys.readouterr().out


def test_bad_input_is_named_without_a_traceback(
    community: Community, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eliminate", "--group", "999", "--dry-run"]) == 2
    assert "no group with id 999" in capsys.readouterr().err
    gid = group_id(community, {"elimination": {"silent_days": {"ordinary": -3}}})
    assert main(["eliminate", "--group", str(gid), "--dry-run"]) == 2
    assert "elimination.silent_days.ordinary" in capsys.readouterr().err
    off = group_id_off(community)
    assert main(["eliminate", "--group", str(off)]) == 2
    assert "elimination.enabled" in capsys.readouterr().err


def group_id_off(community: Community) -> int:
    from shequn.community.models import Group

    group = Group.objects.create(community=community, platform="test", external_id="g9", name="x")
    return group.pk
