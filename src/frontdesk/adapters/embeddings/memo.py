"""Remembers recent encodings: one turn asks for the same text more than once
(escalation triggers, FAQ retrieval, intent detection), and the next turn asks again
for the previous question (was it rephrased?); a model run is most of a turn's time.

The memory holds the texts of the last few hundred turns, so a conversation's
previous message is still there when many conversations are open at once (an
encoding of a chat message is tens of kB: a few MB in all)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from frontdesk.core.ports import Embedder, FloatArray

Encoding = tuple[FloatArray, list[str], FloatArray]


class MemoEmbedder:
    def __init__(self, inner: Embedder, size: int = 256) -> None:
        self.inner = inner
        self._size = size
        self._recent: OrderedDict[str, Encoding] = OrderedDict()
        self._lock = threading.Lock()  # the web service runs turns on several threads

    @property
    def name(self) -> str:
        return self.inner.name

    def fit(self, corpus: Sequence[str]) -> None:
        self.inner.fit(corpus)
        with self._lock:
            self._recent.clear()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        return self.inner.embed(texts)

    def encode(self, text: str) -> Encoding:
        with self._lock:
            found = self._recent.get(text)
            if found is not None:
                self._recent.move_to_end(text)
                return found
        result = self.inner.encode(text)
        with self._lock:
            self._recent[text] = result
            if len(self._recent) > self._size:
                self._recent.popitem(last=False)
        return result
