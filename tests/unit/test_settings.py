"""Settings: one object, nested env groups, everything under the data dir by default."""

from pathlib import Path

import pytest

from agent.settings import Settings


def test_defaults_live_under_the_data_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.model.backend == "embedded" and s.model.name == "qwen2.5-coder-1.5b"
    assert s.db_url == f"sqlite:///{(tmp_path / 'concierge.db').resolve()}"
    assert s.qdrant_path == tmp_path / "qdrant" and s.qdrant.url is None
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
    first = s.identity_secret()
    assert len(first) == 64
    assert Settings(data_dir=tmp_path).identity_secret() == first
    assert Settings(data_dir=tmp_path, web={"identity_secret": "abc"}).identity_secret() == b"abc"
