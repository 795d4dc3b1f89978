"""Live analytics: what the stored conversations say about the assistant and the
people behind it (containment, escalations, CSAT, response and wait times, bookings,
unanswered questions, entries agents rated wrong)."""
