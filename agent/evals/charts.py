"""PNG charts for an evaluation report: pass rate by category, and the distribution of turn latency."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_charts(report: dict[str, Any], folder: Path, name: str) -> list[Path]:
    """Write ``NAME-pass-rate.png`` and ``NAME-latency.png`` into ``folder``; the paths written."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server or in CI
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    categories = report["by_category"]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(categories) + 1.5))
    ax.barh(list(categories), [categories[c] for c in categories], color="#3b7dd8")
    ax.set_xlim(0, 1)
    ax.set_xlabel("pass rate")
    ax.set_title(f"{name}: pass^1 by category ({report['passed']}/{report['scenarios']})")
    ax.invert_yaxis()
    fig.tight_layout()
    written.append(folder / f"{name}-pass-rate.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)
    seconds = [s for o in report["outcomes"] for s in o["turn_seconds"]]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(seconds or [0], bins=30, color="#e07b39")
    ax.set_xlabel("seconds per turn")
    ax.set_ylabel("turns")
    ax.set_title(f"{name}: turn latency (median {report['median_turn_seconds']} s, {len(seconds)} turns)")
    fig.tight_layout()
    written.append(folder / f"{name}-latency.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)
    return written
