"""Intent accuracy of a trained model on labelled utterances (``text,label`` CSV, the
file `frontdesk train --intents` reads): how often the model names the right intent,
and which intents it takes for which.

An out-of-scope label (``oos``) expects the model to claim no intent; a claim below
the model's threshold is "no intent" (what the assistant acts on).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from frontdesk.adapters.training.examples import is_out_of_scope, load_utterances
from frontdesk.errors import EvaluationError, TrainingError
from frontdesk.evaluation.confusion import NO_INTENT, ConfusedPair, most_confused

# A classifier as the report needs it: the intent it names for a text, or None.
IntentReader = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    label: str | None  # None: out of scope, no intent should be claimed


@dataclass(frozen=True, slots=True)
class IntentScore:
    examples: int
    right: int
    accuracy: float | None
    confusions: tuple[ConfusedPair, ...]
    # Labels of the file the model was never trained on: it cannot get those right.
    unknown_labels: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "examples": self.examples,
            "right": self.right,
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "unknown_labels": list(self.unknown_labels),
            "confusions": [c.as_dict() for c in self.confusions],
        }


def load_labelled_texts(path: Path) -> list[LabelledText]:
    """The ``text,label`` CSV, checked as `frontdesk train` checks it (any count per label)."""
    try:
        examples = load_utterances(path, min_per_label=1)
    except TrainingError as exc:
        raise EvaluationError(f"Intents file: {exc.message}") from exc
    return [LabelledText(e.text, None if is_out_of_scope(e.label) else e.label) for e in examples]


def score_intents(
    rows: Sequence[LabelledText],
    read: IntentReader,
    known_labels: Collection[str],
    limit: int = 10,
) -> IntentScore:
    got = [read(row.text) for row in rows]
    right = sum(g == row.label for g, row in zip(got, rows, strict=True))
    mistakes = (
        (row.label or NO_INTENT, g or NO_INTENT, row.text)
        for g, row in zip(got, rows, strict=True)
        if g != row.label
    )
    pairs = tuple(
        ConfusedPair(e, g, n, "", "", example)
        for e, g, n, example in most_confused(mistakes, limit)
    )
    unknown = sorted({r.label for r in rows if r.label is not None} - set(known_labels))
    return IntentScore(len(rows), right, right / len(rows) if rows else None, pairs, tuple(unknown))
