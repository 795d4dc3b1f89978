"""Protocols the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from frontdesk.core.conversation import LlmUsage
from frontdesk.core.knowledge.model import Entry

FloatArray = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar meaning, high dot product."""

    @property
    def name(self) -> str:
        """A short description for reports and warnings."""
        ...

    def fit(self, corpus: Sequence[str]) -> None:
        """Learn corpus statistics if the embedder needs them (TF-IDF); else no-op."""
        ...

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return an array of shape (len(texts), dim), each row L2-normalised."""
        ...

    def encode(self, text: str) -> tuple[FloatArray, list[str], FloatArray]:
        """One text in one model run: its sentence vector (as ``embed`` gives), its
        tokens and their unit-length contextual vectors (special tokens left out)."""
        ...


@dataclass(frozen=True, slots=True)
class WrittenAnswer:
    """A reply a language model wrote from retrieved entries, and the ids it cited."""

    text: str
    cited_ids: tuple[str, ...]
    usage: LlmUsage


class AnswerWriter(Protocol):
    """Writes the answer to a shopper from the retrieved knowledge-base entries.

    Implementations must cite the entries they used; the engine gives the top entry's
    own answer when none of the cited ids is among ``entries``. Failures raise a
    FrontdeskError whose message says what to do.
    """

    @property
    def name(self) -> str:
        """The model and where it runs, for reports."""
        ...

    @property
    def max_entries(self) -> int:
        """How many of the top-ranked entries to give it."""
        ...

    def write(self, message: str, query: str, entries: Sequence[Entry]) -> WrittenAnswer:
        """``message`` as the shopper typed it, ``query`` as retrieval read it (with a
        follow-up's context), ``entries`` best first."""
        ...
