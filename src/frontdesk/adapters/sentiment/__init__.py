"""Sentiment scorers for the frustration trigger (the SentimentScorer port)."""
