"""`frontdesk ask` (one question) and `frontdesk chat` (a conversation that keeps context)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from frontdesk.bootstrap import build_assistant
from frontdesk.core.conversation import Reply, ReplyKind
from frontdesk.core.engine import Assistant
from frontdesk.errors import FrontdeskError
from frontdesk.interfaces.cli.common import ModelOption, console, err_console, fail

KbOption = Annotated[
    Path | None, typer.Option("--kb", help="Knowledge base file (JSON, CSV or JSONL).")
]
RetrieverOption = Annotated[
    str | None, typer.Option("--retriever", help="auto (default), onnx or tfidf.")
]


def _build(kb: Path | None, retriever: str | None, model: Path | None = None) -> Assistant:
    try:
        assistant = build_assistant(kb, retriever=retriever, trained_model=model)
    except FrontdeskError as exc:
        fail(exc)
    for note in assistant.startup_notes:
        err_console.print(f"[yellow]warning:[/] {note}", soft_wrap=True)
    return assistant


def _source_line(assistant: Assistant, reply: Reply) -> str:
    if reply.kind is ReplyKind.ANSWER and reply.source_ids:
        entry = assistant.answerer.index.kb.get(reply.source_ids[0])
        return (
            f'source: entry {entry.id} "{entry.question}" · '
            f"score {reply.score:.2f} · confidence {reply.confidence:.2f}"
        )
    if reply.kind in (ReplyKind.CLARIFY, ReplyKind.ABSTAIN):
        return f"{reply.kind.value} · score {reply.score:.2f} · confidence {reply.confidence:.2f}"
    return reply.kind.value


def _intent_line(reply: Reply) -> str:
    if reply.intent is None:
        return ""
    return f" · intent {reply.intent} ({reply.intent_confidence:.2f})"


def _llm_line(reply: Reply) -> str:
    """Which language model wrote the answer, and what it cost the shop."""
    llm = reply.llm
    if llm is None:
        return ""
    cost = "cost unknown" if llm.cost_usd is None else f"${llm.cost_usd:.6f}"
    who = f"written by {llm.model}" if llm.answered else f"{llm.model} cited no entry: KB answer"
    return escape(f" · {who} · {llm.prompt_tokens}+{llm.completion_tokens} tokens · {cost}")


def _print_reply(assistant: Assistant, reply: Reply) -> None:
    for note in reply.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(reply.text, markup=False, highlight=False)
    for number, option in enumerate(reply.options, start=1):
        console.print(f"  {number}. {option.label}", markup=False, highlight=False)
    why = f"{_source_line(assistant, reply)}{_intent_line(reply)}{_llm_line(reply)}"
    console.print(f"[dim]{why}[/]")


def ask(
    question: Annotated[str, typer.Argument(help="The shopper's question.")],
    kb: KbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reply as JSON.")] = False,
    retriever: RetrieverOption = None,
    model: ModelOption = None,
) -> None:
    """Answer one question from the knowledge base."""
    assistant = _build(kb, retriever, model)
    try:
        reply = assistant.respond(assistant.new_conversation(), question)
    except FrontdeskError as exc:  # e.g. the LLM endpoint refused or timed out
        fail(exc)
    if as_json:
        typer.echo(json.dumps(reply.as_dict(), ensure_ascii=False))
    else:
        _print_reply(assistant, reply)


def chat(kb: KbOption = None, retriever: RetrieverOption = None, model: ModelOption = None) -> None:
    """A conversation that keeps context; /reset starts over, /quit (or Ctrl-D) leaves."""
    assistant = _build(kb, retriever, model)
    interactive = sys.stdin.isatty()
    if interactive:
        console.print("[bold]frontdesk[/] — ask a question. /reset starts over, /quit leaves.")
    try:
        _chat_loop(assistant, interactive)
    except (EOFError, KeyboardInterrupt):
        # Ctrl-D or Ctrl-C, at the prompt or mid-reply: leave without a traceback.
        if interactive:
            console.print()
    except FrontdeskError as exc:  # e.g. the LLM endpoint refused or timed out
        fail(exc)
    if interactive:
        console.print("Bye!")


def _chat_loop(assistant: Assistant, interactive: bool) -> None:
    conversation = assistant.new_conversation()
    while True:
        line = input("you> " if interactive else "")
        command = line.strip().lower()
        if command in ("/quit", "/exit"):
            return
        if command == "/reset":
            conversation = assistant.new_conversation()
            console.print("[dim]conversation reset[/]")
            continue
        if not interactive:
            console.print(f"you> {line}", markup=False, highlight=False)
        _print_reply(assistant, assistant.respond(conversation, line))


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)
