"""Fine-tuning on an OpenAI-compatible API: check the file here, upload it, start a job,
follow it. Checking locally first turns a job that fails an hour later into an error
that names the line now."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from frontdesk.adapters.llm.errors import LlmError
from frontdesk.core.knowledge.export import OPENAI_MIN_EXAMPLES

if TYPE_CHECKING:
    # Only for types: checking a file locally should not import the openai package.
    from frontdesk.adapters.llm.client import LlmClient

ROLES = ("system", "user", "assistant")
DEFAULT_BASE_MODEL = "gpt-4o-mini-2024-07-18"
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
# Shown in full; past this the user gets the count and fixes the first ones first.
MAX_PROBLEMS_SHOWN = 5
NO_FINE_TUNING = (
    "Fine-tuning needs the OpenAI API (or one that copies its fine-tuning endpoints); "
    "check FRONTDESK_LLM_BASE_URL."
)
_STEP = re.compile(r"\bstep\s+(\d+)\s*/\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TrainingFile:
    path: Path
    examples: int
    data: bytes


@dataclass(frozen=True, slots=True)
class UploadedFile:
    id: str
    filename: str
    bytes: int
    status: str


@dataclass(frozen=True, slots=True)
class JobEvent:
    created_at: int
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class JobStatus:
    id: str
    status: str
    base_model: str
    fine_tuned_model: str | None
    trained_tokens: int | None
    training_file: str
    epochs: int | str | None
    error: str | None
    events: tuple[JobEvent, ...]  # newest first, as the API lists them

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def progress(self) -> tuple[int, int] | None:
        """(step, steps) from the newest "Step N/M" event, when the job reports one."""
        for event in self.events:
            match = _STEP.search(event.message)
            if match:
                return int(match.group(1)), int(match.group(2))
        return None

    def as_dict(self) -> dict[str, object]:
        progress = self.progress
        return {
            "id": self.id,
            "status": self.status,
            "base_model": self.base_model,
            "fine_tuned_model": self.fine_tuned_model,
            "trained_tokens": self.trained_tokens,
            "training_file": self.training_file,
            "epochs": self.epochs,
            "error": self.error,
            "progress": None if progress is None else {"step": progress[0], "of": progress[1]},
            "events": [
                {"created_at": e.created_at, "level": e.level, "message": e.message}
                for e in self.events
            ],
        }


# -- the file, checked locally --------------------------------------------------------


def check_training_file(path: Path) -> TrainingFile:
    """Each line one JSON object ``{"messages": [...]}`` with system/user/assistant roles,
    non-empty string contents and an assistant reply to learn from."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LlmError(f"Cannot read {path}: {exc.strerror}.") from None
    problems: list[str] = []
    examples = 0
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    for number, raw in enumerate(lines, start=1):
        problem = _line_problem(raw)
        if problem is None:
            examples += 1
        else:
            problems.append(f"line {number}: {problem}")
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f" (and {more} more)" if more > 0 else ""
        raise LlmError(
            f"{path} is not a chat fine-tuning file: {shown}{tail}. "
            "`frontdesk kb export --format openai-chat` writes one."
        )
    if examples < OPENAI_MIN_EXAMPLES:
        raise LlmError(
            f"{path} has {examples} example(s); fine-tuning needs at least "
            f"{OPENAI_MIN_EXAMPLES}. Add entries to the knowledge base and export again."
        )
    return TrainingFile(path, examples, data)


def _line_problem(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    if not text.strip():
        return "is empty (remove blank lines)"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"is not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return "is not a JSON object"
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return 'has no "messages" list'
    return _messages_problem(messages)


def _messages_problem(messages: Sequence[object]) -> str | None:
    for position, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            return f"message {position} is not an object"
        role = message.get("role")
        if role not in ROLES:
            return f"message {position} has role {role!r}; use system, user or assistant"
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            return f"message {position} ({role}) has an empty or missing content"
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        return "has no assistant message to learn from"
    return None


# -- the API --------------------------------------------------------------------------


def upload(client: LlmClient, training: TrainingFile) -> UploadedFile:
    name = training.path.name
    # Bytes, not an open file: a retried attempt must send the whole file again.
    result = client.call(
        f"upload of {name}",
        lambda api, headers: api.files.create(
            file=(name, training.data, "application/jsonl"),
            purpose="fine-tune",
            extra_headers=headers,
        ),
        post=True,
        missing=NO_FINE_TUNING,
    )
    return UploadedFile(result.id, result.filename or name, result.bytes or 0, result.status or "")


def start_job(
    client: LlmClient,
    file_id: str,
    *,
    base_model: str = DEFAULT_BASE_MODEL,
    epochs: int | None = None,
    suffix: str | None = None,
) -> JobStatus:
    # The seed saw 3 epochs invent policies and 8 stick to the text: make it a choice.
    # ``hyperparameters`` (not the newer ``method``) works with every openai>=1.40.
    n_epochs: int | Literal["auto"] = "auto" if epochs is None else epochs
    job = client.call(
        f"fine-tuning of {base_model} on {file_id}",
        lambda api, headers: api.fine_tuning.jobs.create(
            model=base_model,
            training_file=file_id,
            hyperparameters={"n_epochs": n_epochs},
            suffix=suffix,
            extra_headers=headers,
        ),
        post=True,
        missing=f"Check the base model name and that {file_id} was uploaded here. {NO_FINE_TUNING}",
    )
    return _status(job, ())


def job_status(client: LlmClient, job_id: str, *, events: int = 10) -> JobStatus:
    what = f"status of fine-tuning job {job_id}"
    job = client.call(
        what,
        lambda api, _: api.fine_tuning.jobs.retrieve(job_id),
        post=False,
        missing=f"Check the job id (`frontdesk openai finetune` printed it). {NO_FINE_TUNING}",
    )
    listed: tuple[JobEvent, ...] = ()
    if events > 0:
        page = client.call(
            f"events of fine-tuning job {job_id}",
            lambda api, _: api.fine_tuning.jobs.list_events(job_id, limit=events),
            post=False,
            missing=NO_FINE_TUNING,
        )
        listed = tuple(
            JobEvent(int(e.created_at or 0), str(e.level or "info"), str(e.message or ""))
            for e in page.data
        )
    return _status(job, listed)


def _status(job: Any, events: tuple[JobEvent, ...]) -> JobStatus:
    # Read defensively: OpenAI-compatible servers leave out fields OpenAI always sends.
    error = getattr(job, "error", None)
    error_message = getattr(error, "message", None) if error is not None else None
    return JobStatus(
        id=str(job.id),
        status=str(job.status or "unknown"),
        base_model=str(job.model or ""),
        fine_tuned_model=job.fine_tuned_model or None,
        trained_tokens=job.trained_tokens,
        training_file=str(job.training_file or ""),
        epochs=_epochs(job),
        error=str(error_message) if error_message else None,
        events=events,
    )


def _epochs(job: Any) -> int | str | None:
    method = getattr(job, "method", None)
    supervised = getattr(method, "supervised", None) if method is not None else None
    for holder in (getattr(supervised, "hyperparameters", None), job.hyperparameters):
        value = getattr(holder, "n_epochs", None) if holder is not None else None
        if value is not None:
            return value if isinstance(value, int | str) else str(value)
    return None
