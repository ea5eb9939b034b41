"""Connector settings: validated per kind, secrets only named, bad config reported by group."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shequn.community.models import Community, Group
from shequn.connectors.kept import Kept
from shequn.connectors.memory import MemorySettings
from shequn.connectors.settings import SecretError, explain
from shequn.playbook.runner import Runner, RunnerError

nio = pytest.importorskip("nio", reason="matrix-nio is not installed (pip install -e .[matrix])")

from shequn.connectors.matrix import MatrixConnector  # noqa: E402
from shequn.connectors.matrix.settings import MatrixSettings  # noqa: E402

BASE = {"kind": "matrix", "homeserver": "http://127.0.0.1:1", "user_id": "@bot:x"}
SECRET = "syt_very_secret_token"


def problems(**settings: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        MatrixSettings.model_validate({**BASE, **settings})
    return explain(caught.value)


def test_a_secret_written_inline_is_refused_without_being_repeated() -> None:
    for key in ("access_token", "token", "password"):
        told = problems(**{key: SECRET})
        assert told.startswith(f"{key}: a secret is never written in the settings")
        assert SECRET not in told
    assert "give one, not both" in problems(token_env="A", token_file="/b")
    assert "name where the bot's access token" in problems()


def test_fields_are_checked_with_what_was_expected() -> None:
    told = problems(token_env="T", homeserver="matrix.org", rooms=["general"], colour="red")
    assert "homeserver: expected an http(s):// URL" in told
    assert "rooms.0: expected a room id like !id:server" in told
    assert "colour: Extra inputs are not permitted" in told
    assert "name: String should match pattern" in problems(token_env="T", name="../../etc")


def test_secrets_come_from_a_variable_or_a_file_and_never_show(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BOT_TOKEN", f" {SECRET}\n")
    by_env = MatrixSettings.model_validate({**BASE, "token_env": "BOT_TOKEN"})
    token = by_env.secret("token")
    assert token is not None and token.get_secret_value() == SECRET
    assert SECRET not in f"{token!r} {token} {by_env!r}"
    (tmp_path / "token").write_text(SECRET + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    by_file = MatrixSettings.model_validate({**BASE, "token_file": "$CREDENTIALS_DIRECTORY/token"})
    assert by_file.secret("token") == token
    assert by_file.secret("password") is None


def test_a_secret_that_cannot_be_read_names_its_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    unset = MatrixSettings.model_validate({**BASE, "token_env": "NO_SUCH_TOKEN"})
    with pytest.raises(SecretError, match="token_env: environment variable NO_SUCH_TOKEN is not"):
        MatrixConnector(unset)
    missing = MatrixSettings.model_validate({**BASE, "token_file": str(tmp_path / "nope")})
    with pytest.raises(SecretError, match=r"token_file: cannot read .*nope"):
        missing.secret("token")
    (tmp_path / "empty").write_text("\n")
    empty = MatrixSettings.model_validate({**BASE, "password_file": str(tmp_path / "empty")})
    with pytest.raises(SecretError, match=r"password_file: .*empty is empty") as caught:
        MatrixConnector(empty, state_dir=tmp_path)  # no kept token: the password is needed now
    assert caught.value.permanent


def test_kept_state_is_owner_only_and_survives_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    kept = Kept(tmp_path, "bot")
    kept.set("session", {"access_token": SECRET})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Kept(tmp_path, "bot").get("session") == {"access_token": SECRET}
    assert SECRET not in repr(kept)
    assert [p.name for p in tmp_path.iterdir()] == ["bot.json"]  # no temporary left
    path.write_text("not json")
    assert Kept(tmp_path, "bot").get("session") is None
    kept.set("session", None)
    assert Kept(tmp_path, "bot").data == {}


def test_memory_settings_have_defaults() -> None:
    settings = MemorySettings.model_validate({"kind": "memory", "name": "bot"})
    assert (settings.platform, settings.connector_name) == ("memory", "bot")
    assert "Send" in settings.capabilities


# --- ``shequn run`` reading the store ------------------------------------------------


@pytest.fixture
def community(db: None) -> Community:
    return Community.objects.create(name="矩阵社群")


def configure(community: Community, external_id: str, connector: Any) -> Group:
    return Group.objects.create(
        community=community, platform="matrix", external_id=external_id,
        name=f"群{external_id}", settings={"connector": connector},
    )  # fmt: skip


def refusal(community: Community) -> str:
    with pytest.raises(RunnerError) as caught:
        Runner.from_store("w1")
    return str(caught.value)


@pytest.mark.store
@pytest.mark.django_db
def test_bad_settings_stop_the_runner_naming_group_and_field(community: Community) -> None:
    group = configure(community, "!a:x", {**BASE, "access_token": SECRET})
    told = refusal(community)
    assert told.startswith(
        "group '群!a:x' (matrix/!a:x): connector.access_token: a secret is never"
    )
    assert SECRET not in told
    group.settings = {"connector": {**BASE, "token_env": "T", "timeline_limit": "lots"}}
    group.save()
    assert "group '群!a:x' (matrix/!a:x): connector.timeline_limit: Input should be" in refusal(
        community
    )
    group.settings = {"connector": {"homeserver": "http://x"}}
    group.save()
    assert "connector.kind: missing" in refusal(community)


@pytest.mark.store
@pytest.mark.django_db
def test_a_missing_secret_stops_the_runner_naming_it(
    community: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    configure(community, "!a:x", {**BASE, "token_env": "NO_SUCH_TOKEN"})
    told = refusal(community)
    assert "connector 'matrix'" in told and "token_env: environment variable NO_SUCH_TOKEN" in told


@pytest.mark.store
@pytest.mark.django_db
def test_one_bot_for_several_rooms_watches_each_configured_room(
    community: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", SECRET)
    shared = {**BASE, "name": "bot", "token_env": "BOT_TOKEN"}
    configure(community, "!a:x", shared)
    configure(community, "!b:x", shared)
    [source] = Runner.from_store("w1").sources
    assert isinstance(source.connector, MatrixConnector)
    assert source.connector.rooms == ("!a:x", "!b:x")
    configure(community, "!c:x", {**shared, "operator": "@me:x"})
    told = refusal(community)
    assert "connector 'bot': group '群!c:x' (matrix/!c:x) configures it differently" in told
