"""Protocols the core needs from the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

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
