"""Cleaning: every change is reported; near-duplicates and conflicts are found, not fixed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from frontdesk.core.knowledge.cleaning import (
    NEGATION,
    ChangeKind,
    CleaningReport,
    LexicalVectoriser,
    clean_kb,
    clean_text,
    content_tokens,
    find_near_duplicates,
)
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.core.knowledge.stats import kb_stats
from frontdesk.core.nlu.text import negated

# Known quirks of the Kaggle FAQ (its PROVENANCE.md): near-duplicates and one conflict.
KAGGLE_GROUPS = [{"43", "67", "73"}, {"40", "70"}, {"53", "68"}, {"58", "77"}]
KAGGLE_CONFLICT = {"32", "60"}


# ------------------------------------------------------------------------ text fixes


@pytest.mark.parametrize(
    ("raw", "clean", "kinds"),
    [
        ("<p>Hello <b>there</b></p>", "Hello there", {ChangeKind.HTML_STRIPPED}),
        ("Fish &amp; chips&nbsp;today", "Fish & chips today", {ChangeKind.HTML_STRIPPED}),
        ("Ｆｕｌｌ width ﬁle", "Full width file", {ChangeKind.NORMALISED}),
        ("zero\u200bwidth", "zerowidth", {ChangeKind.NORMALISED}),
        ("  too   many\tspaces ", "too many spaces", {ChangeKind.WHITESPACE}),
        ("Send your <order id> & size&param", "Send your <order id> & size&param", set()),
        ("already clean", "already clean", set()),
    ],
)
def test_clean_text(raw: str, clean: str, kinds: set[ChangeKind]) -> None:
    result, changed = clean_text(raw)
    assert result == clean
    assert set(changed) == kinds


def test_answers_keep_paragraphs() -> None:
    result, kinds = clean_text("First  line<br>second\n\n\n\nlast ", multiline=True)
    assert result == "First line\nsecond\n\nlast"
    assert set(kinds) == {ChangeKind.HTML_STRIPPED, ChangeKind.WHITESPACE}


def test_negation_is_one_token() -> None:
    assert content_tokens("Can I return it if I no longer have the receipt?") == [
        "return",
        NEGATION,
        "receipt",
    ]
    assert content_tokens("without a receipt") == [NEGATION, "receipt"]
    assert negated("It isn't available") and not negated("It is available")


# --------------------------------------------------------------------- the report


def dirty_kb() -> KnowledgeBase:
    return KnowledgeBase.of(
        [
            Entry("ship", "How long does  shipping take?", "<p>3&ndash;5 days.</p>", "ship"),
            Entry("empty", "Anything else?", "<br>"),
            Entry("ship2", "how long does shipping take", "3–5 days", "", ("delivery time?",)),
            Entry("pay", "Which cards do you take?", "Visa and Mastercard."),
            Entry("pay2", "Which cards do you take?", "Only PayPal."),
            Entry("wide", "Ｃａｎ I pay later?", "No."),
        ],
        source="dirty.jsonl",
    )


def test_every_change_is_reported() -> None:
    cleaned, report = clean_kb(dirty_kb())
    assert [e.id for e in cleaned] == ["ship", "pay", "pay2", "wide"]
    kinds = {(c.entry_id, c.kind) for c in report.changes}
    assert ("ship", ChangeKind.WHITESPACE) in kinds
    assert ("ship", ChangeKind.HTML_STRIPPED) in kinds
    assert ("wide", ChangeKind.NORMALISED) in kinds
    assert ("empty", ChangeKind.DROPPED_EMPTY) in kinds
    merged = [c for c in report.changes if c.kind is ChangeKind.MERGED]
    assert [(c.entry_id, c.merged_into) for c in merged] == [("ship2", "ship")]
    # Nothing is dropped silently: each missing id has a change saying why.
    gone = {e.id for e in dirty_kb()} - {e.id for e in cleaned}
    explained = {c.entry_id for c in report.changes if c.kind in _REMOVALS}
    assert gone == explained
    assert (report.entries_in, report.entries_out) == (6, 4)


_REMOVALS = {ChangeKind.DROPPED_EMPTY, ChangeKind.MERGED}


def test_merge_keeps_first_id_and_alternatives() -> None:
    cleaned, _ = clean_kb(dirty_kb())
    ship = cleaned.get("ship")
    assert ship.answer == "3–5 days."
    assert ship.question == "How long does shipping take?"
    assert ship.alt_questions == ("delivery time?",)
    assert ship.category == "ship"


def test_same_question_different_answer_is_a_conflict_not_a_merge() -> None:
    cleaned, report = clean_kb(dirty_kb())
    assert "pay" in cleaned and "pay2" in cleaned
    conflict = next(c for c in report.conflicts if set(c.ids) == {"pay", "pay2"})
    assert conflict.reason == "same question, different answers"
    assert conflict.answers == ("Visa and Mastercard.", "Only PayPal.")
    assert any({"pay", "pay2"} <= set(g.ids) for g in report.near_duplicate_groups)


def test_different_numbers_are_a_conflict() -> None:
    kb = KnowledgeBase.of(
        [
            Entry("r1", "How many days do I have to return an item?", "You have 30 days."),
            Entry("r2", "How many days do I have to return a item?", "You have 14 days."),
            Entry("x", "Do you sell gift cards?", "Yes, from 10 EUR."),
            Entry("y", "Where are you based?", "In Lisbon."),
        ]
    )
    _, report = clean_kb(kb)
    [conflict] = report.conflicts
    assert conflict.ids == ("r1", "r2")
    assert "different numbers (30 vs 14)" in conflict.reason


def test_negated_questions_are_not_near_duplicates() -> None:
    kb = KnowledgeBase.of(
        [
            Entry("a", "Can I order it if it is available for pre-order?", "Yes."),
            Entry("b", "Can I order it if it is not available for pre-order?", "No."),
            Entry("c", "Do you ship to Canada?", "Yes."),
        ]
    )
    assert find_near_duplicates(kb) == ()


def test_report_is_json_ready_and_thresholds_are_stable() -> None:
    _, first = clean_kb(dirty_kb())
    _, second = clean_kb(dirty_kb())
    assert first.thresholds == second.thresholds
    data = json.loads(json.dumps(first.to_dict()))
    assert data["method"] == "lexical"
    assert data["changes"][0]["kind"] in {kind.value for kind in ChangeKind}
    assert {"near_duplicate_groups", "conflicts", "thresholds"} <= set(data)


def test_tiny_knowledge_base() -> None:
    kb = KnowledgeBase.of([Entry("0", "Hello?", "Hi.")])
    cleaned, report = clean_kb(kb)
    assert len(cleaned) == 1
    assert report.near_duplicate_groups == () and report.conflicts == ()


def test_a_similarity_function_is_used_and_normalised(kaggle_faq: Path) -> None:
    kb = load_kb(kaggle_faq)
    lexical = LexicalVectoriser([e.question for e in kb])
    calls: list[int] = []

    def scaled(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        calls.append(len(texts))
        return lexical(texts) * 3.0  # not unit length: cleaning must normalise

    _, report = clean_kb(kb, scaled)
    assert report.method == "semantic" and calls
    assert 0.0 < report.thresholds.related <= report.thresholds.near_duplicate <= 1.0


# --------------------------------------------------------------- the Kaggle FAQ


def assert_kaggle_findings(report: CleaningReport) -> None:
    groups = [set(g.ids) for g in report.near_duplicate_groups]
    for expected in KAGGLE_GROUPS:
        assert any(expected <= group for group in groups), (expected, groups)
    # "available for pre-order" and "not available for pre-order" stay apart.
    assert not any({"53", "58"} <= group for group in groups)
    conflicts = [set(c.ids) for c in report.conflicts]
    assert KAGGLE_CONFLICT in conflicts
    assert len(report.near_duplicate_groups) <= 12 and len(report.conflicts) <= 10


def test_kaggle_findings_without_the_model(kaggle_faq: Path) -> None:
    cleaned, report = clean_kb(load_kb(kaggle_faq))
    assert report.method == "lexical"
    assert len(cleaned) == 79 and report.changes == ()
    assert_kaggle_findings(report)


@pytest.mark.slow
def test_kaggle_findings_with_the_model(kaggle_faq: Path, model_dir: Path) -> None:
    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    _, report = clean_kb(load_kb(kaggle_faq), OnnxEmbedder(model_dir).embed)
    assert report.method == "semantic"
    assert_kaggle_findings(report)
    # The embedding sees that "currently" and "listed as" reword the same question.
    groups = [set(g.ids) for g in report.near_duplicate_groups]
    assert {"40", "70"} in groups and {"43", "67", "73"} in groups


# ---------------------------------------------------------------------------- stats


def test_stats(kaggle_faq: Path) -> None:
    stats = kb_stats(load_kb(kaggle_faq))
    assert stats.entries == 79
    assert stats.categories == {"(none)": 79}
    assert stats.exact_duplicates == 0
    assert stats.near_duplicate_groups >= 4
    assert stats.question_words.min <= stats.question_words.mean <= stats.question_words.max
    assert stats.answer_chars.max > stats.question_chars.max


def test_stats_counts_exact_duplicates_and_categories() -> None:
    stats = kb_stats(dirty_kb())
    assert stats.exact_duplicates == 2  # ship2 repeats ship, pay2 repeats pay
    assert stats.categories == {"(none)": 5, "ship": 1}
    assert stats.alt_questions == 1
