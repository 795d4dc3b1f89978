"""VADER's sentiment (vaderSentiment, which ships its own lexicon: nothing to
download, unlike nltk's copy) behind the core's SentimentScorer port."""

from __future__ import annotations

import threading

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER reads word by word; past a few sentences the score no longer changes, and a
# pasted essay would only cost time.
MAX_CHARS = 2000


class VaderSentiment:
    """The compound score, -1 (very negative) … 1 (very positive)."""

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        # The analyser keeps no state between calls, but its lexicon lookups are not
        # documented as thread-safe and the web service scores on several threads.
        self._lock = threading.Lock()

    def compound(self, text: str) -> float:
        with self._lock:
            scores = self._analyzer.polarity_scores(text[:MAX_CHARS])
        return float(scores["compound"])
