"""CRM updates (webhooks): keep the directory's copy current and tell the shopper.

A change reaches every open conversation of that customer at once, as a message
from the assistant ("Your order #1043 has shipped …"), stored in the conversation
like any other event so a reconnecting widget catches up on it too.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from frontdesk.core.account.desk import AccountDesk
from frontdesk.core.account.model import CrmUpdate
from frontdesk.core.conversation import Event, Source
from frontdesk.core.ports import ConversationStore, DeliveryLog
from frontdesk.errors import WebhookReplayError

# News about an order is for conversations the shopper may still have open.
LIVE_WINDOW_S = 24 * 3600


def notice_id(delivery_id: str) -> str:
    """The event's client id: one notice per delivery per conversation, whichever
    worker stores it. The "/" keeps it apart from every id a sender may use."""
    return "notice/" + hashlib.sha256(delivery_id.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class Notified:
    conversation_id: str
    event: Event


class CrmUpdates:
    def __init__(
        self,
        desk: AccountDesk,
        store: ConversationStore,
        deliveries: DeliveryLog,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.desk = desk
        self.store = store
        self.deliveries = deliveries
        self._clock = clock

    def receive(self, update: CrmUpdate) -> list[Notified]:
        """Apply the update once and notify the customer's open conversations.
        Raises WebhookReplayError for a delivery id received before."""
        now = self._clock()
        if not self.deliveries.first_time(update.delivery_id, update.kind.value, now):
            raise WebhookReplayError(
                f"Delivery {update.delivery_id} was already received; nothing was applied again."
            )
        self.desk.directory.apply_update(update)
        reply = self.desk.notice(update)
        if reply is None:
            return []
        notified: list[Notified] = []
        for info in self.store.of_customer(update.customer_id, since=now - LIVE_WINDOW_S):
            event = Event(
                Source.BOT,
                reply.text,
                now,
                reply=reply,
                client_message_id=notice_id(update.delivery_id),
            )
            stored = self.store.append(info.id, event)
            if stored.created:
                notified.append(Notified(info.id, stored.event))
        return notified
