"""Training examples: labelled utterances from CSV and rule-made variants of KB questions.

Everything is checked before any training starts, so a bad file costs seconds, not
the twenty minutes of a training run.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from frontdesk.adapters.training.variants import variants
from frontdesk.core.files import NotUtf8Error, decode_utf8
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.errors import TrainingError

TEXT_COLUMNS = ("text", "utterance", "instruction")
LABEL_COLUMNS = ("label", "intent", "category")
# Labelled "nothing we handle": used to calibrate the "I don't know", never a class.
OUT_OF_SCOPE_LABELS = frozenset({"oos", "out_of_scope", "out-of-scope"})


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # an intent name, FAQ_PREFIX + entry id, or an out-of-scope label


def is_out_of_scope(label: str) -> bool:
    return label.lower() in OUT_OF_SCOPE_LABELS


def load_utterances(path: Path, *, min_per_label: int = 2) -> list[Example]:
    """Read a ``text,label`` CSV; every problem names the file and the line."""
    text = _read_utf8(path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise TrainingError(f"{path} is empty; it needs a header row 'text,label' and rows.")
    columns = [h.strip().lower() for h in header]
    text_col = _column(path, columns, TEXT_COLUMNS)
    label_col = _column(path, columns, LABEL_COLUMNS)
    examples: list[Example] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise TrainingError(
                f"{path}, line {line}: {len(row)} fields, the header has {len(columns)}; "
                "quote texts that contain commas."
            )
        utterance, label = row[text_col].strip(), row[label_col].strip()
        if not utterance or not label:
            missing = "text" if not utterance else "label"
            raise TrainingError(f"{path}, line {line}: the {missing} is empty.")
        examples.append(Example(utterance, label))
    if not examples:
        raise TrainingError(f"{path} has a header but no rows; add labelled utterances.")
    if min_per_label > 1:
        _check_label_counts(path, examples, min_per_label)
    return examples


def _read_utf8(path: Path) -> str:
    if not path.is_file():
        raise TrainingError(f"{path} does not exist or is not a file; check the path.")
    try:
        return decode_utf8(path.read_bytes())
    except NotUtf8Error as exc:
        raise TrainingError(
            f"{path} is not UTF-8 ({exc}); save it as UTF-8 ('CSV UTF-8' in a "
            "spreadsheet program) and try again."
        ) from exc


def _column(path: Path, columns: list[str], accepted: Sequence[str]) -> int:
    for name in accepted:
        if name in columns:
            return columns.index(name)
    raise TrainingError(
        f"{path}: no {' / '.join(accepted)} column (found: {', '.join(columns) or 'none'}); "
        "the first row must name the columns, e.g. 'text,label'."
    )


def _check_label_counts(path: Path, examples: Sequence[Example], minimum: int) -> None:
    counts = Counter(e.label for e in examples if not is_out_of_scope(e.label))
    lonely = sorted(label for label, n in counts.items() if n < minimum)
    if lonely:
        shown = ", ".join(lonely[:10]) + (" …" if len(lonely) > 10 else "")
        raise TrainingError(
            f"{path}: {len(lonely)} label(s) have a single example ({shown}); each label "
            "needs at least 2 (one to learn from, one to check on). Add examples or "
            "merge the label into another."
        )
    if not counts:
        raise TrainingError(f"{path}: every row is out-of-scope; add in-scope labels.")


def faq_examples(
    kb: KnowledgeBase, groups: dict[str, str], rng: random.Random
) -> tuple[list[Example], list[Example]]:
    """(train, held_out) examples for the KB's answer groups.

    ``groups`` maps each entry id to its group's label. The questions themselves and
    the question+answer texts are always trained on; a share of the rule-made variants
    is held out so calibration sees texts the model did not learn.
    """
    train: list[Example] = []
    held_out: list[Example] = []
    for entry in kb:
        label = groups[entry.id]
        for question in (entry.question, *entry.alt_questions):
            train.append(Example(question, label))
            made = variants(question, rng)
            rng.shuffle(made)
            held_out.extend(Example(v, label) for v in made[:1])
            train.extend(Example(v, label) for v in made[1:])
        train.append(Example(f"{entry.question} {entry.answer}", label))
    return train, held_out


def split_held_out(
    examples: Sequence[Example], fraction: float, rng: random.Random
) -> tuple[list[Example], list[Example]]:
    """Seeded per-label split; out-of-scope examples all go to the held-out side."""
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example)
    train: list[Example] = []
    held_out: list[Example] = []
    for label in sorted(by_label):
        items = list(by_label[label])
        if is_out_of_scope(label):
            held_out.extend(items)
            continue
        rng.shuffle(items)
        n_out = max(1, round(len(items) * fraction)) if len(items) >= 2 and fraction > 0 else 0
        held_out.extend(items[:n_out])
        train.extend(items[n_out:])
    return train, held_out
