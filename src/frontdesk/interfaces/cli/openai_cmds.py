"""`frontdesk openai upload | finetune | status`: the seed's cloud fine-tuning scripts.

The endpoint is FRONTDESK_LLM_BASE_URL (default api.openai.com) and the key comes from
OPENAI_API_KEY (or the seed's OPENAI_APIKEY); it is never printed. Once a job has
succeeded, FRONTDESK_LLM_PROVIDER=openai FRONTDESK_LLM_MODEL=<its ft: id> makes `ask` and
`chat` answer with it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from frontdesk.adapters.llm.factory import client_from_settings
from frontdesk.adapters.llm.finetune import (
    DEFAULT_BASE_MODEL,
    JobStatus,
    check_training_file,
    job_status,
    start_job,
    upload,
)
from frontdesk.config import load_settings
from frontdesk.errors import FrontdeskError
from frontdesk.interfaces.cli.common import USER_ERROR_EXIT, console, err_console, fail

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("upload")
def upload_command(
    file: Annotated[Path, typer.Argument(help="Chat fine-tuning file (.jsonl).")],
    check: Annotated[
        bool, typer.Option("--check", help="Only check the file here; upload nothing.")
    ] = False,
) -> None:
    """Check a chat fine-tuning file line by line, then upload it for fine-tuning."""
    try:
        training = check_training_file(file)
        if check:
            console.print(
                f"{file}: {training.examples} examples, ready to upload.",
                markup=False,
                soft_wrap=True,
            )
            return
        uploaded = upload(client_from_settings(load_settings()), training)
    except FrontdeskError as exc:
        fail(exc)
    console.print(
        f"Uploaded {uploaded.filename} ({training.examples} examples, {uploaded.bytes} bytes) "
        f"as {uploaded.id}.",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"Next: frontdesk openai finetune --file {uploaded.id}", markup=False, soft_wrap=True
    )


@app.command("finetune")
def finetune_command(
    file_id: Annotated[
        str, typer.Option("--file", help="The file id `frontdesk openai upload` printed.")
    ],
    epochs: Annotated[
        int | None,
        typer.Option("--epochs", min=1, max=50, help="Passes over the data (default: auto)."),
    ] = None,
    base: Annotated[
        str, typer.Option("--base", help="The model to fine-tune.")
    ] = DEFAULT_BASE_MODEL,
    suffix: Annotated[
        str | None, typer.Option("--suffix", help="Up to 18 characters added to the model id.")
    ] = None,
) -> None:
    """Start a fine-tuning job on an uploaded file."""
    try:
        job = start_job(
            client_from_settings(load_settings()),
            file_id,
            base_model=base,
            epochs=epochs,
            suffix=suffix,
        )
    except FrontdeskError as exc:
        fail(exc)
    console.print(
        f"Started fine-tuning job {job.id}: {job.base_model} on {job.training_file}, "
        f"epochs {job.epochs if job.epochs is not None else 'auto'} ({job.status}).",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"Follow it: frontdesk openai status {job.id} --watch", markup=False, soft_wrap=True
    )


@app.command("status")
def status_command(
    job_id: Annotated[str, typer.Argument(help="The job id `frontdesk openai finetune` printed.")],
    events: Annotated[
        int, typer.Option("--events", min=0, max=100, help="How many recent events to show.")
    ] = 10,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep checking until the job ends (Ctrl-C leaves).")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, help="Seconds between checks with --watch.")
    ] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """A fine-tuning job's status, progress, trained tokens and recent events."""
    try:
        client = client_from_settings(load_settings())
        status = job_status(client, job_id, events=events)
        _show(status, as_json)
        last = _summary(status)
        while watch and not status.finished:
            time.sleep(interval)
            status = job_status(client, job_id, events=events)
            if as_json or status.finished:
                _show(status, as_json)
            elif _summary(status) != last:
                # One line per change, not the whole block every poll: jobs run for hours.
                at = datetime.now(UTC).strftime("%H:%M:%S")
                console.print(f"  {at}  {_summary(status)}", markup=False, highlight=False)
            last = _summary(status)
    except FrontdeskError as exc:
        fail(exc)
    except KeyboardInterrupt:
        err_console.print("stopped watching; the job goes on.")
        return
    if watch and status.status != "succeeded":
        # Lets a script that waits on the job tell a failed one from a finished one.
        raise typer.Exit(USER_ERROR_EXIT)


def _summary(status: JobStatus) -> str:
    return f"{status.status} · {_progress(status)}"


def _show(status: JobStatus, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(status.as_dict(), ensure_ascii=False))
        return
    rows = [
        ("base model", status.base_model or "-"),
        ("training file", status.training_file or "-"),
        ("epochs", str(status.epochs) if status.epochs is not None else "auto"),
        ("progress", _progress(status)),
        ("trained tokens", f"{status.trained_tokens:,}" if status.trained_tokens else "-"),
        ("fine-tuned model", status.fine_tuned_model or "-"),
    ]
    console.print(Text(f"job {status.id}: {status.status}", style="bold"))
    for name, value in rows:
        console.print(f"  {name:<17} {value}", markup=False, highlight=False)
    if status.error:
        err_console.print(Text(f"  the job failed: {status.error}", style="red"), soft_wrap=True)
    if status.events:
        console.print("  recent events, newest first:")
        for event in status.events:
            at = datetime.fromtimestamp(event.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
            line = f"    {at}  {event.level:<5} {event.message}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if status.status == "succeeded" and status.fine_tuned_model:
        console.print(
            "  answer with it: FRONTDESK_LLM_PROVIDER=openai "
            f"FRONTDESK_LLM_MODEL={status.fine_tuned_model} frontdesk chat",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _progress(status: JobStatus) -> str:
    if status.status == "succeeded":
        return "done"
    if status.finished:
        return status.status
    step = status.progress
    if step is None:
        return "not started" if status.status in ("validating_files", "queued") else "-"
    done, total = step
    return f"step {done} of {total} ({100 * done // max(total, 1)} %)"
