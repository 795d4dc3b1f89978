"""SqlAnalyticsReader: a period's conversations with their events, for analytics.

Conversations are read by their start (indexed), then their events in batches of
conversation ids, so one request makes a handful of queries however long the period.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Engine, Table, exists, func, select

from frontdesk.adapters.storage.store import (
    UNAVAILABLE,
    event_from_row,
    info_from_row,
    unavailable,
)
from frontdesk.adapters.storage.tables import ConversationRow, EventRow
from frontdesk.core.analytics.period import AnalyticsPeriod
from frontdesk.core.analytics.records import StoredConversation
from frontdesk.core.conversation import Event, EventKind, Source

conversations = cast(Table, ConversationRow.__table__)
events = cast(Table, EventRow.__table__)
BATCH = 500  # conversation ids per events query: well under any driver's parameter cap


class SqlAnalyticsReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def conversations(self, period: AnalyticsPeriod) -> list[StoredConversation]:
        """Conversations started in the period (and its channel, if it names one)."""
        query = select(conversations).where(
            conversations.c.created_at >= period.since, conversations.c.created_at < period.until
        )
        if period.channel is not None:
            query = query.where(conversations.c.channel == period.channel)
        with unavailable(UNAVAILABLE), self.engine.connect() as connection:
            infos = [info_from_row(row) for row in connection.execute(query.order_by("created_at"))]
            found: dict[str, list[Event]] = {info.id: [] for info in infos}
            ids = list(found)
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                rows = connection.execute(
                    select(events)
                    .where(events.c.conversation_id.in_(batch))
                    .order_by(events.c.conversation_id, events.c.seq)
                )
                for row in rows:
                    found[row.conversation_id].append(event_from_row(row))
        return [StoredConversation(info, tuple(found[info.id])) for info in infos]

    def channels(self, period: AnalyticsPeriod) -> dict[str, int]:
        """Conversations started in the period per channel, whatever the filter, counted
        as the figures count them: only those the shopper wrote in."""
        used = exists().where(
            events.c.conversation_id == conversations.c.id,
            events.c.source == Source.CUSTOMER.value,
            events.c.kind == EventKind.MESSAGE.value,
        )
        query = (
            select(conversations.c.channel, func.count())
            .where(
                conversations.c.created_at >= period.since,
                conversations.c.created_at < period.until,
                used,
            )
            .group_by(conversations.c.channel)
        )
        with unavailable(UNAVAILABLE), self.engine.connect() as connection:
            return {str(channel): int(n) for channel, n in connection.execute(query)}
