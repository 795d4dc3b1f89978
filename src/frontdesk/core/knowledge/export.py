"""Export a knowledge base as training data for chat fine-tuning (OpenAI chat format)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from frontdesk.core.files import write_atomically
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.errors import KnowledgeBaseError

ChatMessage = dict[str, str]
ChatRecord = dict[str, list[ChatMessage]]

# The "don't guess" instruction matters most: a fine-tuned model that invents a policy
# is worse for a shop than one that says it does not know and hands over to a person.
DEFAULT_SYSTEM_PROMPT = (
    "You are the customer-service assistant of an online shop. Answer the shopper's "
    "question briefly and politely, using only the shop's policies. If you do not know "
    "the answer, say so and offer to connect them with a human agent; never guess."
)
# OpenAI rejects fine-tuning files with fewer examples than this.
OPENAI_MIN_EXAMPLES = 10


def to_openai_chat(kb: KnowledgeBase, system_prompt: str | None = None) -> list[ChatRecord]:
    """One ``{"messages": [system, user, assistant]}`` record per entry, in KB order."""
    system = DEFAULT_SYSTEM_PROMPT if system_prompt is None else system_prompt.strip()
    if not system:
        raise KnowledgeBaseError("The system prompt is empty; leave it out to use the default one.")
    records: list[ChatRecord] = []
    for entry in kb:
        question, answer = entry.question.strip(), entry.answer.strip()
        if not question or not answer:
            # The fine-tuning API rejects empty messages; say which entry, don't skip it.
            missing = "question" if not question else "answer"
            raise KnowledgeBaseError(
                f"Entry {entry.id!r} of {kb.source or 'the knowledge base'} has an empty "
                f"{missing}; fill it in or run `frontdesk kb clean` first."
            )
        records.append(
            {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
    return records


def write_jsonl(records: Sequence[ChatRecord], path: Path) -> int:
    """Write one JSON record per line (UTF-8, atomically); return the number written."""
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise KnowledgeBaseError(f"Cannot write {path}: {exc.strerror}.", detail=str(exc)) from exc
    return len(records)


def export_openai_chat(kb: KnowledgeBase, path: Path, system_prompt: str | None = None) -> int:
    """Write ``kb`` as an OpenAI chat fine-tuning JSONL file; return the record count."""
    return write_jsonl(to_openai_chat(kb, system_prompt), path)
