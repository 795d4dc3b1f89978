"""The knowledge base: FAQ entries with stable ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry. ``id`` is stable: answers and evaluation sets refer to it."""

    id: str
    question: str
    answer: str
    category: str = ""
    # Other phrasings of the same question (from a merged duplicate or the KB author).
    alt_questions: tuple[str, ...] = ()
    # An account question this entry stands for ("track_order" …): a signed-in shopper
    # asking it gets their own records instead of the general answer.
    intent: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    """An ordered, id-unique collection of entries."""

    entries: tuple[Entry, ...]
    source: str = ""
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.id in by_id:
                raise ValueError(f"duplicate entry id {entry.id!r}")
            by_id[entry.id] = entry
        object.__setattr__(self, "_by_id", by_id)

    @classmethod
    def of(cls, entries: Sequence[Entry], source: str = "") -> KnowledgeBase:
        return cls(tuple(entries), source)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def index_of(self, entry_id: str) -> int:
        return self.entries.index(self._by_id[entry_id])
