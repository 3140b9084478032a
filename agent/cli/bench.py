"""`concierge bench …`: measure speed (load, restart, the model, retrieval)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.console import console, fail, load_settings
from agent.cli.groups import app
from agent.settings import ModelName

bench_app = typer.Typer(help="Measure speed.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("load")
def bench_load_cmd(conversations: Annotated[int, typer.Option(min=1, max=1000, help="customers")] = 200,
                   rate: Annotated[float | None, typer.Option(
                       min=0.1, max=1000, help="customers arriving a second (default: all at once)")] = None,
                   workers: Annotated[int, typer.Option(min=1, max=16, help="server processes")] = 1,
                   db_url: Annotated[str | None, typer.Option(
                       help="a scratch Postgres database (postgresql+psycopg://…), needed for --workers > 1; "
                            "default: SQLite in a scratch data dir")] = None,
                   limit_s: Annotated[float, typer.Option(min=1, max=600, help="longest wait for one reply")] = 120,
                   settle_s: Annotated[float, typer.Option(min=0, max=600, help="wait before the last RSS")] = 60,
                   as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False) -> None:
    """Throughput, time to the reply, errors and memory of the framework under many concurrent customers.

    Loopback only: its own server processes on a scratch data dir, a model stand-in that answers at once.
    """
    from agent.load_bench import run_load

    try:
        with console.status("load…") as status:
            report = run_load(conversations, workers, db_url, limit_s, settle_s, rate, on_progress=status.update)
    except (ValueError, RuntimeError) as exc:
        raise fail(str(exc)) from None
    typer.echo(report.as_json() if as_json else "\n".join(report.lines()))


@bench_app.command("restart")
def bench_restart_cmd(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False) -> None:
    """How long a server killed mid-answer takes, once started again, to answer the customer it left waiting.

    Loopback only: its own server process on a scratch data dir and a model stand-in.
    """
    import json

    from agent.load_bench import run_restart

    try:
        with console.status("restart…") as status:
            report = run_restart(on_progress=status.update)
    except RuntimeError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps(report) if as_json else
               f"killed mid-answer, started again: serving after {report['started_s']:.1f} s, "
               f"the resumed turn answered after {report['answered_s']:.1f} s")


@bench_app.command("turn")
def bench_turn_cmd(runs: Annotated[int, typer.Option(min=1, max=20, help="turns of each kind")] = 5,
                   as_json: Annotated[bool, typer.Option("--json", help="one JSON object, with every sample")] = False,
                   ) -> None:
    """Time to first words and to the whole reply of a help-center question, a look-up and a write's preview,
    with where the time goes (decide, retrieval, prompt build, prefill, decode, the rest).

    Runs the configured model in this process, warm, on a scratch copy of the seeded stores; the help center
    is the data dir's (run `concierge ingest` first; stop a `concierge serve` on the same data dir).
    """
    from agent.turn_bench import run_turn_bench

    settings = load_settings()
    try:
        with console.status("loading the model…") as status:
            report = run_turn_bench(settings, runs, on_progress=status.update)
    except (ValueError, RuntimeError) as exc:
        raise fail(str(exc)) from None
    typer.echo(report.as_json() if as_json else "\n".join(report.lines()))


@bench_app.command("model")
def bench_model_cmd(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
                    model: Annotated[ModelName | None, typer.Option(help="default: CONCIERGE_MODEL__NAME")] = None,
                    checkpoint: Annotated[Path | None, typer.Option(
                        help="benchmark the transformers backend on this checkpoint instead")] = None,
                    ) -> None:
    """Decode and prefill speed, TTFT cold/warm/after restart, memory: ours vs raw llama.cpp."""
    import json
    import tempfile

    from agent.llm.bench import bench_model, bench_transformers
    from agent.llm.weights import WeightsError, resolve_gguf

    if checkpoint is not None:
        with console.status(f"benchmarking the transformers backend on {checkpoint}…"):
            typer.echo(json.dumps(bench_transformers(checkpoint)))
        return
    settings = load_settings()
    name = model or settings.model.name
    try:
        gguf = resolve_gguf(name, settings.model.gguf_path if model is None else None, settings.models_dir)
    except WeightsError as exc:
        raise fail(str(exc)) from None
    with tempfile.TemporaryDirectory() as slots, console.status(f"benchmarking {name}…") as status:
        report = bench_model(gguf, n_ctx=settings.model.n_ctx, n_threads=settings.model.n_threads,
                             slot_dir=Path(slots), on_progress=status.update)
    if as_json:
        typer.echo(json.dumps(report))
        return
    r = report
    typer.echo(f"{name} ({r['prompt_tokens']}-token prompts, {r['new_tokens']} new tokens)")
    typer.echo(f"  decode   {r['decode_tok_s']:.1f} tok/s (raw llama.cpp {r['raw_decode_tok_s']:.1f}; "
               f"ratio {r['decode_ratio']:.2f})")
    typer.echo(f"  prefill  {r['prefill_tok_s']:.1f} tok/s (raw {r['raw_prefill_tok_s']:.1f})")
    typer.echo(f"  TTFT     cold {r['ttft_cold_s']:.2f} s, warm {r['ttft_warm_s']:.2f} s "
               f"(warm/cold {r['warm_over_cold']:.2f})")
    typer.echo(f"  restart  first reply's TTFT {r['restart_ttft_restored_s']:.2f} s with saved slots, "
               f"{r['restart_ttft_cold_s']:.2f} s without")
    typer.echo(f"  memory   peak RSS {r['peak_rss_mb']:.0f} MB")


@bench_app.command("retrieval")
def bench_retrieval(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
                    sizes: Annotated[str, typer.Option(help="collection sizes, comma-separated")] = "1000,10000,100000",
                    ingest_chunks: Annotated[int, typer.Option(help="chunks for the ingest measurement")] = 300,
                    ) -> None:
    """Ingest throughput and query latency p50/p95 at growing collection sizes (the embedded Qdrant Edge)."""
    import json
    from importlib import resources

    from knowledge.bench import bench_ingest, bench_store
    from knowledge.embeddings import load_embedder

    settings = load_settings()
    corpus = Path(str(resources.files("knowledge") / "corpus"))
    embedder = load_embedder(settings.knowledge.embedding_model)
    with console.status(f"embedding and storing {ingest_chunks} chunks…"):
        report: dict = {"embedding_model": settings.knowledge.embedding_model,
                        "ingest": bench_ingest(embedder, corpus, ingest_chunks), "embedded": []}
    for size in (int(s) for s in sizes.split(",")):
        with console.status(f"{size} chunks…") as status:
            report["embedded"].append(bench_store(size, embedder.dim, corpus, embedder,
                                                    on_progress=lambda m: status.update(m)))
    if as_json:
        typer.echo(json.dumps(report))
        return
    i = report["ingest"]
    typer.echo(f"ingest with {report['embedding_model']}: {i['chunks_per_s']} chunks/s ({i['chunks']} chunks; "
               f"{i['embedding_s']} s of {i['seconds']} s embedding, "
               f"the store alone {i['store_chunks_per_s']} chunks/s)")
    for r in report["embedded"]:
        h, d = r["query"]["hybrid"], r["query"]["dense"]
        typer.echo(f"{r['chunks']:>7} chunks: store {r['upsert_chunks_per_s']} chunks/s; hybrid p50 {h['p50_ms']} ms "
                   f"p95 {h['p95_ms']} ms; dense p50 {d['p50_ms']} ms p95 {d['p95_ms']} ms")
