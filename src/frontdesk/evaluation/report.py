"""Render metrics and failures for people: a Rich table for the terminal, Markdown for files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from frontdesk.core.conversation import ReplyKind
from frontdesk.evaluation.datasets import ItemKind
from frontdesk.evaluation.metrics import EvalMetrics, is_correct
from frontdesk.evaluation.runner import Prediction


@dataclass(frozen=True, slots=True)
class Failure:
    item: int
    turn: int
    item_kind: ItemKind
    text: str
    expected: str
    got: str


def metric_rows(metrics: EvalMetrics) -> list[tuple[str, str, str]]:
    """(metric, value, what it is measured over): one list feeds both renderings."""
    m = metrics
    return [
        ("answer accuracy", _pct(m.answer_accuracy), f"{m.faq} faq"),
        ("wrong answer rate", _pct(m.wrong_answer_rate), f"{m.faq + m.oos} faq + oos"),
        ("clarify rate", _pct(m.clarify_rate), f"{m.faq} faq"),
        ("clarify hit rate", _pct(m.clarify_hit_rate), "faq clarifications"),
        ("abstention (oos)", _pct(m.abstention_oos), f"{m.oos} oos"),
        ("oos clarified", _pct(m.oos_clarified), f"{m.oos} oos"),
        ("smalltalk handled", _pct(m.smalltalk_handled), f"{m.smalltalk} smalltalk"),
        (
            "dialogue turn accuracy",
            _pct(m.dialogue_turn_accuracy),
            f"{m.dialogue_turns} turns in {m.dialogues} dialogues",
        ),
        ("dialogue wrong answers", _pct(m.dialogue_wrong_answer_rate), f"{m.dialogue_turns} turns"),
        ("latency p50", _ms(m.latency_p50_ms), f"{m.turns} turns"),
        ("latency p95", _ms(m.latency_p95_ms), f"{m.turns} turns"),
        ("latency p99", _ms(m.latency_p99_ms), f"{m.turns} turns"),
        ("latency max", _ms(m.latency_max_ms), f"{m.turns} turns"),
        ("cost per 1,000 turns", _cost(m), _cost_over(m)),
        *_llm_rows(m),
    ]


def metrics_table(metrics: EvalMetrics, *, title: str = "Evaluation") -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("over", style="dim")
    for row in metric_rows(metrics):
        table.add_row(*row)
    return table


def metrics_markdown(metrics: EvalMetrics, *, title: str = "Evaluation") -> str:
    lines = [f"## {title}", "", "| metric | value | over |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {over} |" for name, value, over in metric_rows(metrics)]
    return "\n".join(lines) + "\n"


def find_failures(predictions: Sequence[Prediction]) -> list[Failure]:
    """Every turn that did not do the right thing, in set order."""
    return [
        Failure(p.item, p.turn, p.item_kind, p.text, _expected(p), _got(p))
        for p in predictions
        if not is_correct(p)
    ]


def failures_table(failures: Sequence[Failure], *, limit: int | None = None) -> Table:
    shown = list(failures if limit is None else failures[:limit])
    title = f"Failures ({len(shown)} of {len(failures)})"
    table = Table(title=title, show_lines=False)
    table.add_column("item", justify="right")
    table.add_column("kind")
    table.add_column("text", overflow="fold")
    table.add_column("expected")
    table.add_column("got")
    for f in shown:
        # Dialogue turns are item.turn so the turn within its conversation is visible.
        where = f"{f.item}.{f.turn}" if f.item_kind is ItemKind.DIALOGUE else str(f.item)
        table.add_row(where, f.item_kind.value, f.text, f.expected, f.got)
    return table


def _expected(p: Prediction) -> str:
    if p.item_kind is ItemKind.OOS:
        return "abstain"
    if p.item_kind is ItemKind.SMALLTALK:
        return "smalltalk"
    if not p.accept:
        return "abstain or smalltalk"
    return "answer " + " or ".join(p.accept)


def _got(p: Prediction) -> str:
    if p.kind == ReplyKind.ANSWER:
        entry = p.source_ids[0] if p.source_ids else "(no entry)"
        return f"answer {entry} ({p.confidence:.2f})"
    if p.kind == ReplyKind.CLARIFY:
        return "clarify " + ", ".join(p.source_ids)
    return p.kind


def _cost(m: EvalMetrics) -> str:
    if m.cost_unknown_for is not None:
        return "unknown"
    if m.cost_per_1k_turns_usd is None:
        return "n/a"
    if m.llm_turns == 0:
        return "$0 (local model)"
    return f"${m.cost_per_1k_turns_usd:.4f} (local model: $0)"


def _cost_over(m: EvalMetrics) -> str:
    if m.cost_unknown_for is not None:
        return f"no price for {m.cost_unknown_for}: set FRONTDESK_LLM_PRICES"
    return f"{m.turns} turns"


def _llm_rows(m: EvalMetrics) -> list[tuple[str, str, str]]:
    if m.llm_turns == 0:
        return []
    tokens = f"{m.prompt_tokens:,} in / {m.completion_tokens:,} out"
    return [("LLM tokens", tokens, f"{m.llm_turns} calls to {m.llm_models}")]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ms"
