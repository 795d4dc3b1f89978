"""Labelled shopper messages for calibration: JSONL of {"text", "entry"} (entry may be null)."""

from __future__ import annotations

import json
from pathlib import Path

from frontdesk.core.knowledge.calibration import LabelledMessage
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.errors import KnowledgeBaseError


def load_labelled_messages(path: Path, kb: KnowledgeBase) -> list[LabelledMessage]:
    """Read and check every line; an entry id must exist in ``kb``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"Cannot read calibration messages {path}: {exc}.") from exc
    messages: list[LabelledMessage] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KnowledgeBaseError(f"{where}: not valid JSON ({exc.msg}).") from exc
        text = record.get("text") if isinstance(record, dict) else None
        entry = record.get("entry") if isinstance(record, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise KnowledgeBaseError(f'{where}: needs a non-empty "text".')
        if entry is not None and (not isinstance(entry, str) or entry not in kb):
            raise KnowledgeBaseError(f'{where}: "entry" {entry!r} is not an id in {kb.source}.')
        messages.append(LabelledMessage(text, entry))
    return messages
