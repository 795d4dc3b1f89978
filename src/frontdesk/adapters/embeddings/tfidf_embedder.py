"""Lexical fallback when no embedding model is present: TF-IDF over words and
character n-grams (which tolerate typos). Weaker on paraphrases; never crashes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from frontdesk.core.nlu.text import words
from frontdesk.core.ports import FloatArray

TOKEN_DIM = 512


class TfidfEmbedder:
    name = "TF-IDF (word + character n-grams) fallback"

    def __init__(self) -> None:
        self._word = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
        self._char = TfidfVectorizer(
            sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5), min_df=1
        )
        # Token vectors exist for every token of every entry: hashing keeps them at a
        # fixed, small width (a vocabulary-wide width cost hundreds of MB).
        self._token_char = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=TOKEN_DIM, alternate_sign=False
        )
        self._fitted = False

    def fit(self, corpus: Sequence[str]) -> None:
        texts = [t.lower() for t in corpus] or ["empty"]
        self._word.fit(texts)
        self._char.fit(texts)
        self._fitted = True

    def _require_fit(self) -> None:
        if not self._fitted:
            raise RuntimeError("TfidfEmbedder.fit must be called before embedding")

    def embed(self, texts: Sequence[str]) -> FloatArray:
        self._require_fit()
        lowered = [t.lower() for t in texts]
        matrix = sparse.hstack([self._word.transform(lowered), self._char.transform(lowered)])
        dense = np.asarray(normalize(matrix).toarray(), dtype=np.float32)
        return dense

    def encode(self, text: str) -> tuple[FloatArray, list[str], FloatArray]:
        sentence = self.embed([text])[0]
        tokens = words(text) or [text.lower().strip() or "empty"]
        vectors = normalize(self._token_char.transform(tokens)).toarray()
        return sentence, tokens, np.asarray(vectors, dtype=np.float32)
