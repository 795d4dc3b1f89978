"""CRM updates (webhooks): keep the directory's copy current and tell the shopper.

A change reaches every open conversation of that customer at once, as a message
from the assistant ("Your order #1043 has shipped …"), stored in the conversation
like any other event so a reconnecting widget catches up on it too.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from frontdesk.core.account.desk import AccountDesk
from frontdesk.core.account.model import CrmUpdate, Order, OrderStatus
from frontdesk.core.conversation import Event, Source
from frontdesk.core.ports import ConversationStore, DeliveryLog
from frontdesk.errors import CrmDataError, CrmUnavailableError, WebhookReplayError

log = logging.getLogger("frontdesk.crm")

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

    def receive(self, update: CrmUpdate, *, content_key: str | None = None) -> list[Notified]:
        """Apply the update once and notify the customer's open conversations.

        ``content_key`` names the signed content (timestamp and body): the delivery id
        is not signed, so the same signed delivery under a new id is a replay too.
        Raises WebhookReplayError for either seen before; an update that fails to
        apply is forgotten again, so the sender's retry is taken."""
        now = self._clock()
        keys = [update.delivery_id, *([content_key] if content_key else [])]
        recorded: list[str] = []
        try:
            for key in keys:
                if not self.deliveries.first_time(key, update.kind.value, now):
                    raise WebhookReplayError(
                        f"Delivery {update.delivery_id} was already received; nothing was "
                        "applied again."
                    )
                recorded.append(key)
            return self._apply(update, now)
        except BaseException:
            for key in recorded:
                self.deliveries.forget(key)
            raise

    def _apply(self, update: CrmUpdate, now: float) -> list[Notified]:
        before = self._current_order(update)
        if before is not None and update.order is not None and _goes_back(before, update.order):
            # Deliveries can arrive out of order: "processing" after "shipped" is old news.
            log.warning(
                "order %s: %s update after %s ignored (delivery %s)",
                update.order.id,
                update.order.status.value,
                before.status.value,
                update.delivery_id,
            )
            return []
        self.desk.directory.apply_update(update)
        if before is not None and update.order is not None and before.status is update.order.status:
            return []  # new tracking details, not news: the shopper heard already
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

    def _current_order(self, update: CrmUpdate) -> Order | None:
        """The order as the directory's own copy holds it, to tell news from repeats
        (a directory that asks the CRM would already see the new state)."""
        if update.order is None or not self.desk.directory.keeps_copy:
            return None
        try:
            return self.desk.directory.order(update.customer_id, update.order.id)
        except (CrmUnavailableError, CrmDataError):
            return None  # unknown: apply and announce, as without a copy


# An order moves forward through these; cancelled can come from processing only.
_PROGRESS = {
    OrderStatus.PROCESSING: 0,
    OrderStatus.SHIPPED: 1,
    OrderStatus.DELIVERED: 2,
    OrderStatus.CANCELLED: 2,
}


def _goes_back(before: Order, after: Order) -> bool:
    if before.status is OrderStatus.CANCELLED:
        return after.status is not OrderStatus.CANCELLED
    return _PROGRESS[after.status] < _PROGRESS[before.status]
