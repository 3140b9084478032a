"""Settings: one object, nested env groups, everything under the data dir by default."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.settings import Settings, get_settings


def test_defaults_live_under_the_data_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.model.backend == "embedded" and s.model.name == "qwen2.5-coder-1.5b"
    assert s.db_url == f"sqlite:///{(tmp_path / 'concierge.db').resolve()}"
    assert s.qdrant_path == tmp_path / "help-center" and s.qdrant.url is None
    assert s.checkpoint_path.parent == tmp_path
    assert s.web.port == 8000


def test_nested_groups_come_from_prefixed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONCIERGE_MODEL__BACKEND", "openai")
    monkeypatch.setenv("CONCIERGE_MODEL__BASE_URL", "http://gpu:8000/v1")
    monkeypatch.setenv("CONCIERGE_DB__URL", "postgresql+psycopg://db/concierge")
    monkeypatch.setenv("CONCIERGE_QDRANT__URL", "http://qdrant:6333")
    monkeypatch.setenv("CONCIERGE_WEB__PORT", "9001")
    s = Settings()
    assert s.data_dir == tmp_path
    assert s.model.backend == "openai" and s.model.base_url == "http://gpu:8000/v1"
    assert s.db_url == "postgresql+psycopg://db/concierge"
    assert s.qdrant.url == "http://qdrant:6333"
    assert s.web.port == 9001


def test_identity_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    (first,) = s.identity_secrets()
    assert len(first) == 64
    assert Settings(data_dir=tmp_path).identity_secrets() == [first]
    configured = Settings(data_dir=tmp_path, web={"identity_secrets": ["n" * 32, "o" * 40]})
    assert configured.identity_secrets() == [b"n" * 32, b"o" * 40]  # the first signs, all verify


@pytest.mark.parametrize("env, words", [
    ('[""]', "secret 1 is empty"), ('["0123456789abcdef0123456789abcdef", "short"]', "secret 2 is 5 bytes"),
    ("", "valid list"),
    ("not json", "CONCIERGE_WEB__… variable that holds a list or an object must be written as JSON"),
])
def test_weak_or_malformed_identity_secrets_stop_start_up_naming_the_setting(
        env: str, words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONCIERGE_WEB__IDENTITY_SECRETS", env)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and words in result.output and "Traceback" not in result.output
    assert "short" not in result.output.replace("5 bytes", "")  # the secret itself is never echoed


def test_the_old_single_secret_setting_names_its_replacement(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCIERGE_WEB__IDENTITY_SECRET", "an-old-secret-that-was-long-enough-00")
    with pytest.raises(ValueError, match="CONCIERGE_WEB__IDENTITY_SECRETS"):
        Settings(data_dir=tmp_path)


def test_a_short_secret_stops_the_app_even_when_settings_were_copied(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from agent.conversations.identity import WeakSecret
    from agent.server import create_app

    base = Settings(data_dir=tmp_path)
    weak = base.model_copy(update={"web": base.web.model_copy(update={"identity_secrets": [SecretStr("")]})})
    with pytest.raises(WeakSecret, match="CONCIERGE_WEB__IDENTITY_SECRETS"):
        create_app(weak)
