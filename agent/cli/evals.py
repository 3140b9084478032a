"""`concierge eval …`: measure quality (whole conversations, retrieval)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.console import console, fail, ingest_with_progress, load_model_or_fail, load_settings, retriever_or_fail
from agent.cli.groups import app
from agent.settings import Settings

eval_app = typer.Typer(help="Measure quality.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


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
    retriever = retriever_or_fail(settings)
    loaded = None if scripted else load_model_or_fail(settings)
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
        retriever.store.close()
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
            retriever = retriever_or_fail(local)
        ingest_with_progress(settings, retriever, [corpus])
        with console.status("asking the questions…"):
            report = evaluate(retriever, load_questions(questions))
        retriever.store.close()
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
