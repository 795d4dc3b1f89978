"""Read and write knowledge-base files: Kaggle-style JSON, plain JSON lists, JSONL and CSV.

Loading is all-or-nothing: every entry is checked first, every problem is collected with
its place in the file (line for CSV/JSONL, entry index for JSON), and only a fully valid
file becomes a KnowledgeBase. A shop owner fixing a file then sees all problems at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from frontdesk.core.files import NotUtf8Error, decode_utf8, write_atomically
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.errors import KnowledgeBaseError

FORMATS_HINT = "use a .json, .jsonl or .csv file"
CSV_COLUMNS = ("question", "answer", "id", "category", "alt_questions", "intent")
REQUIRED_COLUMNS = ("question", "answer")
ALT_SEPARATOR = "|"
WRITABLE_SUFFIXES = frozenset({".jsonl", ".ndjson", ".csv", ".json"})
# Enough to fix a file in one pass without flooding the terminal.
MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class _Raw:
    """One entry as read, before validation; ``where`` is 'line 4' or 'entry 3'."""

    where: str
    position: int
    fields: Mapping[str, object]


class _Problems:
    """Collects every problem of one file so they are reported together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}: {problem}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS_SHOWN]
        more = len(self.items) - len(shown)
        lines = "\n".join(f"  {item}" for item in shown)
        if more:
            lines += f"\n  … and {more} more"
        count = "1 problem" if len(self.items) == 1 else f"{len(self.items)} problems"
        raise KnowledgeBaseError(
            f"Cannot load knowledge base {self.path} ({count}):\n{lines}\n"
            "Fix these entries and load the file again; nothing was loaded."
        )


# ---------------------------------------------------------------------------- loading


def load_kb(path: Path) -> KnowledgeBase:
    """Load a knowledge base; the format comes from the extension, else from the content."""
    text = _read_text(path)
    kind = _detect_format(path, text)
    problems = _Problems(path)
    if kind == "csv":
        raws = _parse_csv(path, text)
    elif kind == "jsonl":
        raws = _parse_jsonl(path, text, problems)
    else:
        raws = _parse_json(path, text)
    entries = _validate(raws, problems)
    problems.raise_if_any()
    if not entries:
        raise KnowledgeBaseError(
            f"Knowledge base {path} has no entries; add at least one question and answer."
        )
    return KnowledgeBase.of(entries, source=str(path))


def _read_text(path: Path) -> str:
    if not path.exists():
        raise KnowledgeBaseError(
            f"Knowledge base {path} does not exist; check the path ({FORMATS_HINT})."
        )
    if path.is_dir():
        raise KnowledgeBaseError(
            f"Knowledge base {path} is a directory; point to the file inside it ({FORMATS_HINT})."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(
            f"Cannot read knowledge base {path}: {exc.strerror}.", detail=str(exc)
        ) from exc
    try:
        return decode_utf8(data)
    except NotUtf8Error as exc:
        raise KnowledgeBaseError(
            f"Knowledge base {path} is not UTF-8: {exc} cannot be decoded. Save the file "
            "as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet program) and load it again.",
            detail=str(exc),
        ) from exc


def _detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    stripped = text.lstrip()
    if not stripped:
        raise KnowledgeBaseError(f"Knowledge base {path} is empty; {FORMATS_HINT}.")
    if suffix == ".json" or stripped.startswith(("{", "[")):
        # A .json file holding one object per line is JSON Lines under the wrong name.
        first_line = stripped.split("\n", 1)[0].strip()
        if stripped.startswith("{") and _is_one_object_per_line(stripped, first_line):
            return "jsonl"
        return "json"
    header = stripped.split("\n", 1)[0].lower()
    if all(column in header for column in REQUIRED_COLUMNS):
        return "csv"
    raise KnowledgeBaseError(
        f"Cannot tell the format of {path}: it is not JSON and has no CSV header with "
        f"'question' and 'answer' columns; {FORMATS_HINT}."
    )


def _is_one_object_per_line(text: str, first_line: str) -> bool:
    if "\n" not in text.strip():
        return False
    try:
        whole_ok = isinstance(json.loads(text), dict)
    except json.JSONDecodeError as exc:
        whole_ok = not exc.msg.startswith("Extra data")
    if whole_ok:
        return False
    try:
        return isinstance(json.loads(first_line), dict)
    except json.JSONDecodeError:
        return False


def _parse_json(path: Path, text: str) -> list[_Raw]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(
            f"Knowledge base {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}. Fix the syntax there and load it again.",
            detail=str(exc),
        ) from exc
    items = _json_items(path, data)
    return [_Raw(f"entry {index}", index, _as_fields(item)) for index, item in enumerate(items)]


def _json_items(path: Path, data: object) -> list[object]:
    """The Kaggle layout is {"questions": [...]}; a bare list of entries works too."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        questions: list[object] = data["questions"]
        return questions
    found = (
        f"an object with keys {', '.join(sorted(map(str, data)))}"
        if isinstance(data, dict)
        else f"a {_type_name(data)}"
    )
    raise KnowledgeBaseError(
        f"Knowledge base {path} has the wrong shape: expected a list of entries or an "
        f'object with a "questions" list, found {found}. Each entry needs "question" '
        'and "answer".'
    )


def _parse_jsonl(path: Path, text: str, problems: _Problems) -> list[_Raw]:
    raws: list[_Raw] = []
    # split("\n"), not splitlines(): JSON strings may hold U+2028, which is no line end.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(f"line {number}", f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        raws.append(_Raw(f"line {number}", len(raws), _as_fields(item)))
    return raws


def _parse_csv(path: Path, text: str) -> list[_Raw]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise KnowledgeBaseError(f"Knowledge base {path} is empty; {FORMATS_HINT}.")
        columns = _csv_columns(path, header)
        raws: list[_Raw] = []
        start = reader.line_num + 1
        for row in reader:
            where = f"line {start}"
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue  # blank lines are layout, not entries
            raws.append(_csv_row(where, len(raws), columns, row))
    except csv.Error as exc:
        raise KnowledgeBaseError(
            f"Knowledge base {path} is not valid CSV at line {reader.line_num}: {exc}. "
            "Check the quotes there: a field containing commas, quotes or line breaks "
            'must be wrapped in double quotes, with inner quotes doubled ("").',
            detail=str(exc),
        ) from exc
    return raws


def _csv_columns(path: Path, header: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise KnowledgeBaseError(
            f"Knowledge base {path}, line 1: the CSV header lacks the column(s) "
            f"{', '.join(missing)} (found: {', '.join(columns) or 'nothing'}). The first line "
            f"must name the columns: question,answer[,id,category,alt_questions,intent]."
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise KnowledgeBaseError(
            f"Knowledge base {path}, line 1: the CSV header repeats the column(s) "
            f"{', '.join(repeated)}; name each column once."
        )
    return columns


def _csv_row(where: str, position: int, columns: list[str], row: list[str]) -> _Raw:
    fields: dict[str, object] = {}
    if len(row) > len(columns):
        fields["__error__"] = (
            f"{len(row)} fields but the header has {len(columns)}; a field containing a "
            "comma must be wrapped in double quotes"
        )
    absent = [name for name in REQUIRED_COLUMNS if columns.index(name) >= len(row)]
    if absent:
        fields["__error__"] = (
            f"{len(row)} field(s) but the header has {len(columns)}; {' and '.join(absent)} missing"
        )
    for name, value in zip(columns, row, strict=False):
        if name in CSV_COLUMNS:
            fields[name] = value
    alt = fields.get("alt_questions")
    if isinstance(alt, str):
        fields["alt_questions"] = [part for part in alt.split(ALT_SEPARATOR) if part.strip()]
    return _Raw(where, position, fields)


def _as_fields(item: object) -> Mapping[str, object]:
    if isinstance(item, dict):
        return item
    return {"__error__": f"is a {_type_name(item)}, expected an object with question and answer"}


def _type_name(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


# ------------------------------------------------------------------------- validation


def _validate(raws: Iterable[_Raw], problems: _Problems) -> list[Entry]:
    entries: list[Entry] = []
    first_use: dict[str, str] = {}
    for raw in raws:
        entry = _validate_one(raw, problems)
        if entry is None:
            continue
        if entry.id in first_use:
            problems.add(
                raw.where,
                f"id {entry.id!r} is already used by {first_use[entry.id]}; ids must be unique",
            )
            continue
        first_use[entry.id] = raw.where
        entries.append(entry)
    return entries


def _validate_one(raw: _Raw, problems: _Problems) -> Entry | None:
    fields = raw.fields
    if "__error__" in fields:
        problems.add(raw.where, str(fields["__error__"]))
        return None
    before = len(problems.items)
    question = _required_text(raw, "question", problems)
    answer = _required_text(raw, "answer", problems)
    category = _optional_text(raw, "category", problems)
    alt_questions = _alt_questions(raw, problems)
    intent = _optional_text(raw, "intent", problems).strip()
    entry_id = _entry_id(raw, problems)
    if len(problems.items) > before:
        return None
    assert question is not None and answer is not None and entry_id is not None
    return Entry(entry_id, question, answer, category, alt_questions, intent)


def _required_text(raw: _Raw, name: str, problems: _Problems) -> str | None:
    value = raw.fields.get(name)
    if value is None:
        problems.add(raw.where, f'"{name}" is missing; every entry needs a question and answer')
        return None
    if not isinstance(value, str):
        problems.add(raw.where, f'"{name}" is a {_type_name(value)}, expected text')
        return None
    if not value.strip():
        problems.add(raw.where, f'"{name}" is empty; write it or delete the entry')
        return None
    # Kept as written: cleaning reports (rather than hides) whitespace and markup fixes.
    return value


def _optional_text(raw: _Raw, name: str, problems: _Problems) -> str:
    value = raw.fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(raw.where, f'"{name}" is a {_type_name(value)}, expected text')
        return ""
    return value


def _alt_questions(raw: _Raw, problems: _Problems) -> tuple[str, ...]:
    value = raw.fields.get("alt_questions")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add(raw.where, '"alt_questions" must be a list of texts')
        return ()
    return tuple(item for item in value if item.strip())


def _entry_id(raw: _Raw, problems: _Problems) -> str | None:
    value = raw.fields.get("id")
    if value is None or (isinstance(value, str) and not value.strip()):
        # Without explicit ids, the 0-based position is the id (the Kaggle convention).
        return str(raw.position)
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.add(raw.where, f'"id" is a {_type_name(value)}, expected text or an integer')
        return None
    return str(value).strip()


# ---------------------------------------------------------------------------- saving


def save_kb(kb: KnowledgeBase, path: Path) -> None:
    """Write ``kb`` in the format named by the extension (.jsonl, .csv or .json), atomically."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        text = _to_jsonl(kb)
    elif suffix == ".csv":
        text = _to_csv(kb, path)
    elif suffix == ".json":
        text = _to_json(kb)
    else:
        raise KnowledgeBaseError(
            f"Cannot tell which format to write {path} in from its extension; {FORMATS_HINT}."
        )
    _write_atomically(path, text)


def _entry_dict(entry: Entry, *, with_id: bool = True) -> dict[str, object]:
    record: dict[str, object] = {"id": entry.id} if with_id else {}
    record["question"] = entry.question
    record["answer"] = entry.answer
    if entry.category:
        record["category"] = entry.category
    if entry.alt_questions:
        record["alt_questions"] = list(entry.alt_questions)
    if entry.intent:
        record["intent"] = entry.intent
    return record


def _to_jsonl(kb: KnowledgeBase) -> str:
    return "".join(json.dumps(_entry_dict(e), ensure_ascii=False) + "\n" for e in kb)


def _to_json(kb: KnowledgeBase) -> str:
    positional = all(entry.id == str(index) for index, entry in enumerate(kb))
    # The Kaggle layout has no ids: it is only faithful when ids are the positions.
    data: object = (
        {"questions": [_entry_dict(e, with_id=False) for e in kb]}
        if positional
        else [_entry_dict(e) for e in kb]
    )
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _to_csv(kb: KnowledgeBase, path: Path) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in kb:
        if any(ALT_SEPARATOR in alt for alt in entry.alt_questions):
            raise KnowledgeBaseError(
                f"Cannot write {path}: an alternative question of entry {entry.id!r} contains "
                f"'{ALT_SEPARATOR}', the CSV separator for alternatives; write .jsonl instead."
            )
        writer.writerow(
            [
                entry.question,
                entry.answer,
                entry.id,
                entry.category,
                ALT_SEPARATOR.join(entry.alt_questions),
                entry.intent,
            ]
        )
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """A crash mid-write must not leave a half-written knowledge base behind."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise KnowledgeBaseError(
            f"Cannot write knowledge base {path}: {exc.strerror}.", detail=str(exc)
        ) from exc
